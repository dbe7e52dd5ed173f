// Progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Checklists: "Don't know", "Not applicable" and "None of these" stand alone.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".checklist input[type=checkbox]") || !input.checked) return;
    var group = input.closest(".checklist");
    var exclusive = input.dataset.exclusive === "true";
    group.querySelectorAll("input[type=checkbox]").forEach(function (other) {
      if (other === input) return;
      if (exclusive || other.dataset.exclusive === "true") other.checked = false;
    });
  });

  // A page shown again with errors: move the focus to their summary, whose links lead to each
  // question (screen readers also announce it: role="alert").
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // A form is sent once: a double click must not post it twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "true") { event.preventDefault(); return; }
    form.dataset.submitted = "true";
    // Keep the clicked button's name/value: it says where to go next.
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
  });
})();

// Coming back with the browser's Back button restores the page from cache with its buttons
// still disabled: enable them again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-submitted=true]").forEach(function (form) {
    delete form.dataset.submitted;
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) { button.disabled = false; });
  });
});

// The action plan's progress page: ask every few seconds whether the PDF is built, then fetch it.
(function () {
  var box = document.querySelector("[data-plan-pending]");
  if (!box) return;
  var url = box.getAttribute("data-plan-url");
  var every = 1000 * Number(box.getAttribute("data-plan-every") || 2);
  var status = box.querySelector("[data-plan-status]");
  function ready() {
    box.querySelector("[data-plan-progress]").hidden = true;
    box.querySelector("[data-plan-wait-note]").hidden = true;
    box.querySelector("[data-plan-ready]").hidden = false;
    status.hidden = true;
    window.location.assign(url);
  }
  function check() {
    fetch(url + "?status=1", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { ready: false }; })
      .then(function (answer) { if (answer.ready) { ready(); } else { window.setTimeout(check, every); } })
      .catch(function () { window.setTimeout(check, every * 2); });
  }
  window.setTimeout(check, every);
})();
