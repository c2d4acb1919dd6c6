# Shopkeep: `make run` starts the shop on SQLite; `make test` runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system run cluster bench-cluster test fuzz lint format bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) system

system:
	@scripts/install-system-deps.sh

run: setup
	$(BIN)/shopkeep serve

# The production topology on loopback: PostgreSQL, nginx, 2 store + 2 web processes, the sandbox.
cluster: setup
	$(BIN)/python -m shopkeep.cluster

# One test process per core (pytest-xdist; an idle one takes tests queued for the other); each
# starts its own PostgreSQL and servers.
test: setup
	$(BIN)/python -m pytest -n auto --dist worksteal

# The fuzz suite alone, with many more cases than `make test` runs (SHOPKEEP_FUZZ_EXAMPLES each).
fuzz: setup
	SHOPKEEP_FUZZ_EXAMPLES=$${SHOPKEEP_FUZZ_EXAMPLES:-400} $(BIN)/python -m pytest -m fuzz -rP

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: setup
	$(BIN)/python -m bench.run

# Checkouts and cold catalog queries through the cluster's nginx, beside pgbench.
bench-cluster: setup
	$(BIN)/python -m bench.cluster

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
