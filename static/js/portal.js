// Small page behaviours, kept out of the HTML so the Content-Security-Policy can refuse
// every inline script and event handler.
(function () {
  document.documentElement.classList.add("js");
  // The header's "Menu" button (phones): fold the navigation and the user menu open and shut.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".menu-toggle");
    if (!button) return;
    var bar = button.closest(".topbar");
    var open = !bar.classList.contains("menu-open");
    bar.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // <select data-autosubmit>: submit its form when the choice changes.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  // <form data-confirm="question">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  // Nothing fails silently: a refused htmx request (any 4xx) shows its message where the
  // user acted. The one handler for every page. A response marked X-Portal-Swap (a form with
  // its errors, a row in its current state after a conflict) is swapped like a success.
  function messageOf(xhr) {
    var text = xhr.responseText || "";
    if (/^\s*</.test(text)) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      var marked = doc.querySelector("[data-refusal]") || doc.querySelector("main") || doc.body;
      text = marked ? marked.textContent : "";
    }
    text = text.replace(/\s+/g, " ").trim();
    return text || (xhr.status + " " + (xhr.statusText || ""));
  }
  function anchorOf(el) {
    return (el.closest && (el.closest("form") || el.closest("tr") || el.closest("section"))) || el;
  }
  function clearError(el) {
    var anchor = anchorOf(el);
    var next = anchor.nextElementSibling;
    if (next && next.classList && next.classList.contains("htmx-refusal")) next.remove();
  }
  function showError(el, text) {
    clearError(el);
    var anchor = anchorOf(el);
    var note = document.createElement(anchor.tagName === "TR" ? "tr" : "div");
    note.className = "htmx-refusal form-errors";
    note.setAttribute("role", "alert");
    if (anchor.tagName === "TR") {
      var cell = document.createElement("td");
      cell.colSpan = anchor.children.length || 1;
      cell.textContent = text;
      note.appendChild(cell);
    } else {
      note.textContent = text;
    }
    anchor.insertAdjacentElement("afterend", note);
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("X-Portal-Swap")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var el = event.detail.elt;
    if (!el || xhr.getResponseHeader("X-Portal-Swap")) return;
    showError(el, messageOf(xhr));
  });
  document.addEventListener("htmx:sendError", function (event) {
    var el = event.detail.elt;
    if (el) showError(el, document.documentElement.getAttribute("data-offline-message") || "The server could not be reached.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt;
    if (!el || !el.hasAttribute) return;
    if (event.detail.successful && el.isConnected) clearError(el);
    // The expander of a hierarchy row loads its children once.
    if (el.hasAttribute("data-expander")) {
      el.disabled = true;
      el.setAttribute("aria-expanded", "true");
      el.textContent = "\u25BE";
    }
    // A form posted with htmx: cleared after success, and a placeholder removed.
    if (event.detail.successful && el.hasAttribute("data-reset-on-success")) {
      el.reset();
      var gone = document.getElementById(el.getAttribute("data-remove-on-success") || "");
      if (gone) gone.remove();
    }
  });
})();
