// Adds a "Copy" button beside each feed address; without JavaScript the address stays selectable.
document.querySelectorAll(".feed-address input").forEach((input) => {
  if (!navigator.clipboard) return;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Copy";
  button.setAttribute("aria-label", `Copy the address of the ${input.labels[0].textContent} feed`);
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
  input.after(button);
});
