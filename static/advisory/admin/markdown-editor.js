/* The brief body's Markdown editor: a formatting toolbar and a live preview.
 *
 * The preview is rendered by the server, through the pipeline clients' pages use, and is put
 * into the pane as the server sent it (already sanitised there); nothing typed here is ever
 * inserted into the page as HTML. Plain script, no build step.
 */
(function () {
  "use strict";

  const PREVIEW_DELAY_MS = 400;

  /* Replace start..end with text, then select selectStart..selectEnd. */
  function replaceRange(textarea, start, end, text, selectStart, selectEnd) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    // insertText keeps the edit in the browser's undo history, which setRangeText does not.
    if (!document.execCommand("insertText", false, text)) {
      textarea.setRangeText(text, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    textarea.setSelectionRange(selectStart, selectEnd);
  }

  function wrap(textarea, before, after, placeholder) {
    const { value, selectionStart: start, selectionEnd: end } = textarea;
    const inner = value.slice(start, end) || placeholder;
    const innerStart = start + before.length;
    replaceRange(textarea, start, end, before + inner + after, innerStart, innerStart + inner.length);
  }

  /* The whole lines the selection touches. */
  function selectedLines(textarea) {
    const { value, selectionStart: start, selectionEnd: end } = textarea;
    const from = value.lastIndexOf("\n", start - 1) + 1;
    // A selection ending just after a newline does not reach into the next line.
    const last = end > start && value[end - 1] === "\n" ? end - 1 : end;
    const newline = value.indexOf("\n", last);
    const to = newline === -1 ? value.length : newline;
    return { from, to, lines: value.slice(from, to).split("\n") };
  }

  /* Prefix each selected line, or take the prefix away when every line already has it. */
  function toggleLinePrefix(textarea, prefixFor, pattern) {
    const { from, to, lines } = selectedLines(textarea);
    const remove = lines.every((line) => pattern.test(line));
    const text = lines
      .map((line, index) => (remove ? line.replace(pattern, "") : prefixFor(index) + line))
      .join("\n");
    replaceRange(textarea, from, to, text, from, from + text.length);
  }

  /* Insert a block on its own, separated from the text around it by blank lines. */
  function insertBlock(textarea, block, selectFrom, selectLength) {
    const { value, selectionEnd: end } = textarea;
    const before = value.slice(0, end);
    const after = value.slice(end);
    const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    const trail = after === "" || after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    const start = end + lead.length + selectFrom;
    replaceRange(textarea, end, end, lead + block + trail, start, start + selectLength);
  }

  function nextFootnoteNumber(value) {
    let highest = 0;
    for (const match of value.matchAll(/\[\^(\d+)\]/g)) {
      highest = Math.max(highest, Number(match[1]));
    }
    return highest + 1;
  }

  const ACTIONS = {
    heading(textarea) {
      toggleLinePrefix(textarea, () => "## ", /^#{1,6} /);
    },
    bold(textarea) {
      wrap(textarea, "**", "**", "bold text");
    },
    italic(textarea) {
      wrap(textarea, "*", "*", "italic text");
    },
    link(textarea) {
      const { value, selectionStart: start, selectionEnd: end } = textarea;
      const text = value.slice(start, end) || "link text";
      const url = "https://";
      const urlStart = start + text.length + 3;
      replaceRange(textarea, start, end, `[${text}](${url})`, urlStart, urlStart + url.length);
    },
    bullets(textarea) {
      toggleLinePrefix(textarea, () => "- ", /^[-*+] /);
    },
    numbers(textarea) {
      toggleLinePrefix(textarea, (index) => `${index + 1}. `, /^\d+\. /);
    },
    quote(textarea) {
      toggleLinePrefix(textarea, () => "> ", /^> ?/);
    },
    footnote(textarea) {
      // The marker goes after the selection and its note at the end, where the cursor waits.
      const { value, selectionEnd: end } = textarea;
      const number = nextFootnoteNumber(value);
      const marker = `[^${number}]`;
      const placeholder = "Footnote text.";
      const rest = value.slice(end).replace(/\s+$/, "");
      const text = `${marker}${rest}\n\n${marker}: ${placeholder}`;
      const noteStart = end + text.length - placeholder.length;
      replaceRange(textarea, end, value.length, text, noteStart, noteStart + placeholder.length);
    },
    figure(textarea) {
      const alt = "Describe the image";
      insertBlock(textarea, `![${alt}](https://example.org/image.jpg "Caption")`, 2, alt.length);
    },
  };

  const SHORTCUTS = { b: "bold", i: "italic", k: "link" };

  function setUpToolbar(toolbar, textarea) {
    const buttons = Array.from(toolbar.querySelectorAll("button[data-md-action]"));
    // One tab stop for the whole toolbar, the button last used; arrow keys move between them.
    function makeTabStop(chosen) {
      for (const button of buttons) button.tabIndex = button === chosen ? 0 : -1;
    }
    makeTabStop(buttons[0]);
    for (const button of buttons) {
      button.addEventListener("click", () => {
        makeTabStop(button);
        // The action hands the focus back to the text, where the writer goes on typing.
        ACTIONS[button.dataset.mdAction](textarea);
      });
    }
    toolbar.addEventListener("keydown", (event) => {
      const current = buttons.indexOf(document.activeElement);
      if (current === -1) return;
      const targets = {
        ArrowRight: (current + 1) % buttons.length,
        ArrowLeft: (current - 1 + buttons.length) % buttons.length,
        Home: 0,
        End: buttons.length - 1,
      };
      if (!(event.key in targets)) return;
      event.preventDefault();
      makeTabStop(buttons[targets[event.key]]);
      buttons[targets[event.key]].focus();
    });
    textarea.addEventListener("keydown", (event) => {
      const action = SHORTCUTS[event.key.toLowerCase()];
      if (!action || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      event.preventDefault();
      ACTIONS[action](textarea);
    });
    toolbar.hidden = false;
  }

  function setUpPreview(editor, textarea) {
    const form = textarea.form;
    const pane = editor.querySelector(".md-editor__preview");
    const output = editor.querySelector(".md-editor__preview-body");
    const status = editor.querySelector(".md-editor__status");
    let timer = null;
    let pending = null;

    function fieldValue(name) {
      const field = form.elements.namedItem(name);
      return field && "value" in field ? field.value : "";
    }

    async function refresh() {
      if (pending) pending.abort();
      const request = new AbortController();
      pending = request;
      const token = fieldValue("csrfmiddlewaretoken");
      const data = new FormData();
      data.append("title", fieldValue("title"));
      data.append("summary", fieldValue("summary"));
      data.append("body", textarea.value);
      data.append("kind", fieldValue("kind"));
      data.append("brief", editor.dataset.briefId || "");
      output.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(editor.dataset.previewUrl, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": token },
          signal: request.signal,
        });
        const type = response.headers.get("Content-Type") || "";
        if (!response.ok || !type.startsWith("text/html")) {
          throw new Error(`preview answered ${response.status}`);
        }
        const html = await response.text();
        const fragment = new DOMParser().parseFromString(html, "text/html");
        output.replaceChildren(...fragment.body.childNodes);
        status.textContent = "";
      } catch (error) {
        if (error.name === "AbortError") return;
        status.textContent = "The preview could not be updated; your text is unaffected.";
      } finally {
        if (pending === request) {
          pending = null;
          output.removeAttribute("aria-busy");
        }
      }
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, PREVIEW_DELAY_MS);
    }

    textarea.addEventListener("input", schedule);
    for (const name of ["title", "summary"]) {
      const field = form.elements.namedItem(name);
      if (field) field.addEventListener("input", schedule);
    }
    const kind = form.elements.namedItem("kind");
    if (kind) kind.addEventListener("change", schedule);
    pane.hidden = false;
    refresh();
  }

  function setUp() {
    for (const editor of document.querySelectorAll(".md-editor")) {
      const textarea = editor.querySelector("textarea");
      if (!textarea || editor.dataset.ready) continue;
      editor.dataset.ready = "true";
      setUpToolbar(editor.querySelector(".md-editor__toolbar"), textarea);
      setUpPreview(editor, textarea);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
