// Small page behaviours, kept out of the HTML so the Content-Security-Policy can refuse
// every inline script and event handler.
(function () {
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
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt;
    if (!el || !el.hasAttribute) return;
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
