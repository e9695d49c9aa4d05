// Klynge's only script of its own: small progressive enhancements. Pages work without it.
document.addEventListener("DOMContentLoaded", () => {
  // Language selector: switch as soon as a language is picked; the button stays for no-JS use.
  for (const select of document.querySelectorAll("select.auto-submit")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
});
