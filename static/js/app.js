// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
});

// ---- plans: add-food combobox and focus after a day-page swap ----
(() => {
  // Arrow keys move through the listbox the input controls (aria-activedescendant);
  // Enter picks the active option by following its link (htmx loads the amount form).
  const options = (input) => {
    const list = document.getElementById(input.getAttribute("aria-controls"));
    return list ? Array.from(list.querySelectorAll('[role="option"]')) : [];
  };
  const activate = (input, option) => {
    options(input).forEach((o) => o.setAttribute("aria-selected", String(o === option)));
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  // Results answer the query they carry (data-query). A key pressed while they still answer
  // an older query (the request is debounced or in flight) waits for the fresh results, so
  // a quick "type, arrow down, Enter" never picks a food from the previous list.
  const pending = new Map();
  const resultsOf = (input) => document.getElementById("results-" + input.id.slice("q-".length));
  const isFresh = (input) => {
    const results = resultsOf(input);
    return !results || (results.dataset.query || "") === input.value.trim().slice(0, 100);
  };
  const navigationKeys = ["ArrowDown", "ArrowUp", "Enter"];
  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.getAttribute("role") !== "combobox") return;
    if (navigationKeys.includes(event.key) && !isFresh(input)) {
      event.preventDefault();
      pending.set(input.id, [...(pending.get(input.id) || []), event.key]);
      return;
    }
    handleKey(input, event.key, event);
  });
  const handleKey = (input, key, event) => {
    const all = options(input);
    const current = all.findIndex((o) => o.id === input.getAttribute("aria-activedescendant"));
    if (key === "ArrowDown" || key === "ArrowUp") {
      if (!all.length) return;
      if (event) event.preventDefault();
      const step = key === "ArrowDown" ? 1 : -1;
      activate(input, all[(current + step + all.length) % all.length]);
    } else if (key === "Enter" && current >= 0) {
      if (event) event.preventDefault();
      // Each option is the food's link (htmx loads the amount form; without JS, a page).
      all[current].click();
    } else if (key === "Enter" && event && pending.has(input.id)) {
      event.preventDefault();
    } else if (key === "Escape") {
      activate(input, null);
    }
  };
  // After htmx swaps results, the listbox is new: tell the combobox whether it is open.
  // Without JavaScript each option is a plain link reached with Tab; with it, focus stays in
  // the search box and the arrow keys move through the options instead.
  const leaveTabOrder = (root) => {
    root.querySelectorAll('[role="listbox"] [role="option"]').forEach((option) => {
      option.setAttribute("tabindex", "-1");
    });
  };
  document.addEventListener("DOMContentLoaded", () => leaveTabOrder(document));
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id && target.id.startsWith("results-")) {
      const input = document.getElementById("q-" + target.id.slice("results-".length));
      leaveTabOrder(document.getElementById(target.id) || document);
      const open = document.getElementById(input.getAttribute("aria-controls")) !== null;
      input.setAttribute("aria-expanded", String(open));
      input.removeAttribute("aria-activedescendant");
      if (isFresh(input)) {
        const keys = pending.get(input.id) || [];
        pending.delete(input.id);
        keys.forEach((key) => handleKey(input, key, null));
      }
    }
  });

  // A write replaces the day's meals: put focus where the form asked (data-focus), or
  // on the amount field of a freshly loaded amount form, so keyboard users keep their place.
  let focusAfter = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest("[data-focus]");
    focusAfter = form ? form.dataset.focus : null;
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail.target;
    if (target && target.id && target.id.startsWith("add-") && !focusAfter) {
      // An outerHTML swap leaves `target` detached: look the new element up by its id.
      const fresh = document.getElementById(target.id) || target;
      const grams = fresh.querySelector('input[type="number"]');
      if (grams) grams.focus();
      return;
    }
    if (focusAfter) {
      const invalid = document.querySelector(
        '#day-meals [aria-invalid="true"], #recipe-body [aria-invalid="true"]'
      );
      const element = invalid || document.getElementById(focusAfter);
      focusAfter = null;
      if (element) element.focus();
    }
  });
})();

// ---- CSP: behaviour that would otherwise be inline (the policy forbids inline handlers and
// htmx's eval-based trigger filters) ----
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) window.print();
});
// The suggestions panel refreshes after the score panel is swapped out of band; htmx would
// need eval for a `[detail.target.id=='day-score']` filter, so the filter lives here.
document.addEventListener("htmx:oobAfterSwap", (event) => {
  const target = event.detail && event.detail.target;
  if (target && target.id === "day-score") document.body.dispatchEvent(new CustomEvent("mg:score-swapped"));
});
