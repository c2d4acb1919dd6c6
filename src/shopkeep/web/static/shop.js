// Shopkeep storefront: small improvements over forms that work without JavaScript.
//  - a form being sent shows progress and cannot be sent twice;
//  - "Add to cart" is sent in the background: the cart badge and the status line update
//    without a reload, and an error shows next to the form;
//  - search and filter forms leave empty fields out of the address.
(function () {
  "use strict";

  var status = document.getElementById("status");

  function announce(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function setCartCount(count) {
    document.querySelectorAll("[data-cart-count]").forEach(function (badge) {
      badge.textContent = String(count);
    });
  }

  function buttonsOf(form) {
    return Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type])"));
  }

  function markBusy(form, submitter, sentAlready) {
    form.setAttribute("aria-busy", "true");
    var label = (submitter && submitter.getAttribute("data-busy-label")) ||
      form.getAttribute("data-busy-label");
    var button = submitter || buttonsOf(form)[0];
    if (button && label) {
      button.setAttribute("data-idle-html", button.innerHTML);
      button.textContent = label;
    }
    function disable() {
      buttonsOf(form).forEach(function (each) { each.disabled = true; });
    }
    if (sentAlready) {
      disable();
    } else {
      // After the browser has read the form: a disabled button's value would not be sent.
      window.setTimeout(disable, 0);
    }
  }

  function clearBusy(form) {
    form.removeAttribute("aria-busy");
    buttonsOf(form).forEach(function (button) {
      button.disabled = false;
      var idle = button.getAttribute("data-idle-html");
      if (idle !== null) {
        button.innerHTML = idle;
        button.removeAttribute("data-idle-html");
      }
    });
  }

  function showError(form, message) {
    var slot = form.querySelector("[data-form-error]");
    var input = form.querySelector("input[name=quantity]:not([type=hidden])");
    if (slot) {
      slot.textContent = message;
    }
    if (input) {
      if (message) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    }
  }

  function addToCart(form, submitter) {
    var body = new URLSearchParams(new FormData(form));
    markBusy(form, submitter, true);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) {
          setCartCount(data.count);
          showError(form, "");
          announce(data.detail);
        } else {
          showError(form, data.detail);
          announce(data.detail);
        }
      });
    }).catch(function () {
      var message = "The shop could not be reached. Check your connection and try again.";
      showError(form, message);
      announce(message);
    }).then(function () {
      clearBusy(form);
    });
  }

  function goWithoutEmptyFields(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && value.trim() !== "") {
        params.append(name, value);
      }
    });
    var query = params.toString();
    window.location.assign(form.getAttribute("action") + (query ? "?" + query : ""));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    if (form.method.toLowerCase() === "get") {
      event.preventDefault();
      goWithoutEmptyFields(form);
      return;
    }
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-add-to-cart")) {
      event.preventDefault();
      addToCart(form, event.submitter);
      return;
    }
    markBusy(form, event.submitter);
  });

  // Checkout: choosing another shipping method updates the totals at once, through the
  // form's own "Update totals" button (which the page offers without JavaScript too).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.hasAttribute || !target.hasAttribute("data-recompute")) {
      return;
    }
    var button = target.form && target.form.querySelector("[data-update-totals]");
    if (button && target.form.requestSubmit) {
      target.form.requestSubmit(button);
    }
  });

  // On a phone, filters not in use start folded away, leaving the products in view.
  if (window.matchMedia("(max-width: 44rem)").matches) {
    document.querySelectorAll("details[data-collapse-on-phone]:not([data-in-use])")
      .forEach(function (panel) { panel.open = false; });
  }

  // A page restored by the back button must not keep forms stuck as busy.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[aria-busy]").forEach(clearBusy);
    }
  });
}());
