// The CRM's forms answer 400 with the form and its messages; htmx does not swap error answers
// unless told to, so for the CRM's own sections the 400 answer replaces the section as well.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (event.detail.xhr.status === 400 && target && target.classList.contains("crm-swap-errors")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
