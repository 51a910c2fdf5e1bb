// Tells the desk this brief is open here, and shows who else has it open.
(function () {
  "use strict";
  const note = document.getElementById("brief-presence");
  if (!note) return;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  function beat() {
    fetch(note.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : { others: [] }))
      .then((data) => {
        note.textContent = data.others.length
          ? "Also open by " + data.others.join(", ") +
            ": save often, a save made after theirs will be refused."
          : "";
      })
      .catch(() => {});
  }
  setInterval(beat, 20000);
})();
