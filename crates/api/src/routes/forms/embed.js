/* Servdesk web form embed. Paste on a page:
 *   <div id="servdesk-form"></div>
 *   <script src="https://desk.example.com/api/v1/public/forms/SLUG/embed.js" data-target="#servdesk-form" async></script>
 * It renders the form as plain HTML your stylesheet styles (classes servdesk-form,
 * servdesk-field, servdesk-label, servdesk-input, servdesk-error, servdesk-submit,
 * servdesk-status, servdesk-success; servdesk-field--invalid on a field with an error),
 * checks required fields, posts it and shows the answer in the form's language. */
(function () {
  "use strict";
  var slug = __SLUG__;
  var script = document.currentScript;
  var base = new URL(script.src).origin;
  var endpoint = base + "/api/v1/public/forms/" + encodeURIComponent(slug);
  var target = document.querySelector(script.getAttribute("data-target") || "#servdesk-form");
  if (!target) {
    target = document.createElement("div");
    script.parentNode.insertBefore(target, script);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function render(form) {
    var f = el("form", { "class": "servdesk-form", novalidate: true, lang: form.language, "data-form": form.slug });
    if (form.title) f.appendChild(el("h2", { "class": "servdesk-form-title" }, form.title));
    if (form.description) f.appendChild(el("p", { "class": "servdesk-form-description" }, form.description));
    var errors = {};
    form.fields.forEach(function (field) {
      var id = "servdesk-" + form.slug + "-" + field.name;
      var wrap = el("div", { "class": "servdesk-field servdesk-field--" + field.kind, "data-name": field.name });
      var input;
      if (field.kind === "textarea") {
        input = el("textarea", { id: id, name: field.name, rows: 5, placeholder: field.placeholder, required: field.required });
      } else if (field.kind === "select") {
        input = el("select", { id: id, name: field.name, required: field.required });
        input.appendChild(el("option", { value: "" }, field.placeholder || "—"));
        field.options.forEach(function (o) { input.appendChild(el("option", { value: o.value }, o.label)); });
      } else if (field.kind === "checkbox") {
        input = el("input", { id: id, name: field.name, type: "checkbox", value: "true", required: field.required });
      } else if (field.kind === "file") {
        input = el("input", { id: id, name: field.name, type: "file", multiple: true, required: field.required });
      } else {
        var type = { email: "email", phone: "tel" }[field.kind] || "text";
        input = el("input", { id: id, name: field.name, type: type, placeholder: field.placeholder, required: field.required,
          autocomplete: { email: "email", phone: "tel" }[field.kind] || null });
      }
      input.className = "servdesk-input";
      var label = el("label", { "for": id, "class": "servdesk-label" }, field.label + (field.required ? " *" : ""));
      var error = el("p", { "class": "servdesk-error", id: id + "-error", "aria-live": "polite" });
      input.setAttribute("aria-describedby", id + "-error");
      if (field.kind === "checkbox") { wrap.appendChild(input); wrap.appendChild(label); } else { wrap.appendChild(label); wrap.appendChild(input); }
      wrap.appendChild(error);
      errors[field.name] = { wrap: wrap, error: error, input: input, field: field };
      f.appendChild(wrap);
    });
    // Bots fill in every field they find; people never see this one.
    var trap = el("div", { "class": "servdesk-hp", "aria-hidden": "true" });
    trap.style.position = "absolute";
    trap.style.left = "-10000px";
    trap.appendChild(el("input", { type: "text", name: form.honeypot, tabindex: "-1", autocomplete: "off" }));
    f.appendChild(trap);
    f.appendChild(el("input", { type: "hidden", name: form.issued_field, value: form.issued }));
    var button = el("button", { type: "submit", "class": "servdesk-submit" }, form.messages.send);
    f.appendChild(button);
    var status = el("p", { "class": "servdesk-status", role: "status" });
    f.appendChild(status);

    function show(name, message) {
      var e = errors[name];
      if (!e) { status.textContent = message; return; }
      e.error.textContent = message;
      e.wrap.classList.add("servdesk-field--invalid");
      e.input.setAttribute("aria-invalid", "true");
    }
    function clear() {
      status.textContent = "";
      Object.keys(errors).forEach(function (k) {
        errors[k].error.textContent = "";
        errors[k].wrap.classList.remove("servdesk-field--invalid");
        errors[k].input.removeAttribute("aria-invalid");
      });
    }
    function check() {
      var ok = true;
      Object.keys(errors).forEach(function (k) {
        var e = errors[k], input = e.input, field = e.field;
        var empty = field.kind === "checkbox" ? !input.checked : field.kind === "file" ? input.files.length === 0 : input.value.trim() === "";
        if (field.required && empty) { show(k, form.messages.required); ok = false; }
        else if (!empty && field.kind === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.value.trim())) { show(k, form.messages.email); ok = false; }
      });
      return ok;
    }

    f.addEventListener("submit", function (event) {
      event.preventDefault();
      clear();
      if (!check()) {
        var first = f.querySelector(".servdesk-field--invalid .servdesk-input");
        if (first) first.focus();
        return;
      }
      button.disabled = true;
      status.textContent = form.messages.sending;
      fetch(endpoint + "/submissions", { method: "POST", body: new FormData(f), credentials: "omit" })
        .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
        .then(function (answer) {
          button.disabled = false;
          if (answer.status === 201) {
            var done = el("p", { "class": "servdesk-success", role: "status" }, answer.body.message);
            f.parentNode.replaceChild(done, f);
            return;
          }
          status.textContent = "";
          var fieldErrors = (answer.body && answer.body.errors) || [];
          if (fieldErrors.length) { fieldErrors.forEach(function (e) { show(e.field, e.message); }); }
          else { status.textContent = form.messages.failed; }
        })
        .catch(function () { button.disabled = false; status.textContent = form.messages.failed; });
    });
    target.textContent = "";
    target.appendChild(f);
  }

  fetch(endpoint, { credentials: "omit" })
    .then(function (r) { if (!r.ok) throw new Error("form " + r.status); return r.json(); })
    .then(render)
    .catch(function () { target.setAttribute("data-servdesk-error", "unavailable"); });
})();
