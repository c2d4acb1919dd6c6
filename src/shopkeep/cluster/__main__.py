import sys

from shopkeep.cluster import main

sys.exit(main())
