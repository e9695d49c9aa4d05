// Surveys: small enhancements; every page works without them (the server checks everything).
document.addEventListener("DOMContentLoaded", () => {
  // The questionnaire: a conditional question is shown only when the earlier answer it
  // depends on is one of its values. Hidden questions are disabled, so nothing is sent for
  // them (the server refuses an answer to a question that does not apply).
  const form = document.querySelector("form.survey-form");
  if (form) {
    const chosen = (name) => {
      const values = new Set();
      for (const input of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (!input.matches(":disabled") && (input.checked || (input.type !== "radio" && input.type !== "checkbox" && input.value))) {
          values.add(input.value);
        }
      }
      return values;
    };
    const update = () => {
      for (const fieldset of form.querySelectorAll("fieldset[data-condition-field]")) {
        const wanted = fieldset.dataset.conditionValues.split(" ");
        const given = chosen(fieldset.dataset.conditionField);
        const shown = wanted.some((value) => given.has(value));
        fieldset.hidden = !shown;
        fieldset.disabled = !shown;
      }
    };
    form.addEventListener("change", update);
    update();
  }

  // The question builder: only the parts that apply to the chosen kind of question.
  const kind = document.querySelector("#question-form #id_kind");
  if (kind) {
    const show = () => {
      for (const part of document.querySelectorAll("#question-form [data-kinds]")) {
        part.hidden = !part.dataset.kinds.split(" ").includes(kind.value);
      }
    };
    kind.addEventListener("change", show);
    show();
  }

  // The audience: only the parameters of the chosen audience.
  const audience = document.querySelector("form.survey-audience");
  if (audience) {
    const show = () => {
      const picked = audience.querySelector('input[name="audience"]:checked');
      for (const part of audience.querySelectorAll("[data-audiences]")) {
        part.hidden = !picked || !part.dataset.audiences.split(" ").includes(picked.value);
      }
    };
    audience.addEventListener("change", show);
    show();
  }
});
