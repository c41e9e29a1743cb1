// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
});

// ---- plans: add-food combobox and focus after a day-page swap ----
(() => {
  // Arrow keys move through the listbox the input controls (aria-activedescendant);
  // Enter picks the active option by following its link (htmx loads the amount form), and
  // with none active highlights the first (no page reload).
  // The WAI-ARIA combobox pattern: Escape, or a pick, closes the list; ArrowDown opens it.
  const listOf = (input) => document.getElementById(input.getAttribute("aria-controls"));
  const options = (input) => {
    const list = listOf(input);
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
  // A list closed by Escape or a pick stays closed, even when results arrive for a request
  // already on its way, until the person types again or opens it with the arrow keys.
  const dismissed = new WeakSet();
  const isOpen = (input) => input.getAttribute("aria-expanded") === "true";
  const setOpen = (input, open) => {
    const list = listOf(input);
    if (list) list.hidden = !open;
    input.setAttribute("aria-expanded", String(Boolean(list) && open));
    if (!open) activate(input, null);
  };
  const close = (input) => {
    dismissed.add(input);
    setOpen(input, false);
  };
  document.addEventListener("input", (event) => {
    // Only typing reopens: the input event the second Escape sends below is not trusted.
    if (event.isTrusted) dismissed.delete(event.target);
  });
  // Results answer the query they carry (data-query). A key pressed while they still answer
  // an older query (the request is debounced or in flight) waits for the fresh results, so
  // a quick "type, arrow down, Enter" never picks a food from the previous list.
  const pending = new Map();
  const resultsOf = (input) => document.getElementById("results-" + input.id.slice("q-".length));
  const isFresh = (input) => {
    const results = resultsOf(input);
    return !results || (results.dataset.query || "") === input.value.trim().slice(0, 100);
  };
  const hasResults = (input) => Boolean(resultsOf(input) && resultsOf(input).firstElementChild);
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
      if (!isOpen(input)) {
        dismissed.delete(input);
        setOpen(input, true);
      }
      const step = key === "ArrowDown" ? 1 : -1;
      const next = current < 0 ? (step > 0 ? 0 : all.length - 1) : current + step;
      activate(input, all[(next + all.length) % all.length]);
    } else if (key === "Enter" && current >= 0) {
      if (event) event.preventDefault();
      // Each option is the food's link (htmx loads the amount form; without JS, a page);
      // the click listener below closes the list.
      all[current].click();
    } else if (key === "Enter" && all.length) {
      // Nothing highlighted: show the results (a list closed by Escape too) and highlight the
      // first, focus staying in the box; the next Enter accepts it. Enter accepts only an
      // option the person has seen or heard. Without JavaScript it submits the search form.
      if (event) event.preventDefault();
      dismissed.delete(input);
      setOpen(input, true);
      activate(input, all[0]);
    } else if (key === "Enter" && event && (pending.has(input.id) || hasResults(input))) {
      // Waiting results, or "No food matches" already said: no page reload. Only a box
      // whose results never came (a failed request) falls back to submitting the form.
      event.preventDefault();
    } else if (key === "Escape" && event) {
      // Keys waiting for fresh results were meant for the list being dismissed.
      pending.delete(input.id);
      if (isOpen(input)) {
        // Close, and keep the text: Chromium's search box would clear it on Escape and
        // show the recent foods, so ArrowDown + Enter would add another food.
        event.preventDefault();
        close(input);
      } else if (input.value) {
        // The second Escape clears the box in every browser; the input event fetches the
        // empty box's results (so they answer the text shown), which arrive closed.
        event.preventDefault();
        dismissed.add(input);
        input.value = "";
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  };
  // The combobox an element belongs to: the box itself, or the box controlling its list.
  const comboboxOf = (element) => {
    if (!(element instanceof Element)) return null;
    if (element.matches('input[role="combobox"]')) return element;
    const list = element.closest('[role="listbox"]');
    return list && document.querySelector(`input[role="combobox"][aria-controls="${list.id}"]`);
  };
  // Picking a food, by Enter or a click, closes the list over the amount form it loads.
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest('[role="option"]')) return;
    const input = comboboxOf(event.target);
    if (input) close(input);
  });
  // Focus leaving both the box and its list (Tab, or a click elsewhere) closes the list, as
  // the WAI-ARIA combobox pattern has it; results still on their way then arrive closed,
  // and keys waiting for them are dropped. Pressing on an option keeps focus in the box (a
  // browser that does not focus a clicked link would otherwise close the list before the
  // click lands); a press on the list's scroll bar focuses the list, which is no leave.
  document.addEventListener("mousedown", (event) => {
    const option = event.target instanceof Element && event.target.closest('[role="option"]');
    if (option && comboboxOf(option)) event.preventDefault();
  });
  document.addEventListener("focusout", (event) => {
    const input = comboboxOf(event.target);
    if (!input) return;
    const to = event.relatedTarget;
    const results = resultsOf(input);
    if (to instanceof Node && (to === input || (results && results.contains(to)))) return;
    pending.delete(input.id);
    close(input);
  });
  // After htmx swaps results, the listbox is new: tell the combobox whether it is open.
  // Without JavaScript each option is a plain link reached with Tab; with it, focus stays in
  // the search box and the arrow keys move through the options instead. The list itself
  // gets tabindex -1 too: Chromium makes a scrolling box without tabbable content a Tab stop.
  const leaveTabOrder = (root) => {
    const elements = root.querySelectorAll('[role="listbox"], [role="listbox"] [role="option"]');
    elements.forEach((element) => element.setAttribute("tabindex", "-1"));
  };
  document.addEventListener("DOMContentLoaded", () => {
    leaveTabOrder(document);
    // A page that opens with results (the Search button, or a picked food without htmx):
    // the list is open, unless a food is already picked and its amount form is shown.
    document.querySelectorAll('input[role="combobox"]').forEach((input) => {
      const amountForm = document.querySelector(`#add-${input.id.slice("q-".length)} form`);
      if (amountForm) close(input);
      else setOpen(input, true);
    });
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id && target.id.startsWith("results-")) {
      const input = document.getElementById("q-" + target.id.slice("results-".length));
      leaveTabOrder(document.getElementById(target.id) || document);
      activate(input, null);
      setOpen(input, !dismissed.has(input));
      if (isFresh(input)) {
        const keys = pending.get(input.id) || [];
        pending.delete(input.id);
        keys.forEach((key) => handleKey(input, key, null));
      }
    }
  });

  // After a swap, focus goes where the request asked (data-focus), or to the amount field of
  // a freshly loaded amount form, so keyboard users keep their place. A write asks through
  // its form (data-focus on it or an ancestor). A read asks only through the element that
  // sent it (a link, or a form sent with hx-get): a live read inside a form, like the
  // supplement log's conversion preview, leaves focus in the field being typed in.
  // data-focus-else names where focus goes when that element is missing or can take none
  // after the swap (a meal moved to the top has its "Move up" disabled: its "Move down").
  // Each request keeps what it asked for (by its XMLHttpRequest): a live read started while
  // a write is on its way neither takes over nor clears the write's focus.
  const focusAsked = new WeakMap();
  const askingElement = (elt, verb) => {
    if (!(elt instanceof Element)) return null;
    if (verb === "get") return elt.matches("[data-focus]") ? elt : null;
    return elt.closest("[data-focus]");
  };
  document.addEventListener("htmx:beforeRequest", (event) => {
    const { elt, xhr, requestConfig } = event.detail;
    const asking = askingElement(elt, requestConfig && requestConfig.verb);
    if (asking && xhr) {
      focusAsked.set(xhr, { id: asking.dataset.focus, elseId: asking.dataset.focusElse || null });
    }
  });
  // Regions whose forms, refused (422), put focus on their first invalid field, which names
  // its error (aria-describedby). Elsewhere the focus target sits above an error summary.
  const fieldFirst = "#day-meals, #recipe-body, #target-panel, #templates-panel, #dietitian-notes";
  const firstInvalid = (region) =>
    region && region.closest(fieldFirst) ? region.querySelector('[aria-invalid="true"]') : null;
  const focusable = (id) => {
    const element = id ? document.getElementById(id) : null;
    return element && !element.disabled ? element : null;
  };
  document.addEventListener("htmx:afterSettle", (event) => {
    const { target, xhr } = event.detail;
    // An outerHTML swap leaves `target` detached: look the new element up by its id.
    const fresh = target && ((target.id && document.getElementById(target.id)) || target);
    const asked = xhr ? focusAsked.get(xhr) : null;
    if (!asked) {
      if (fresh && fresh.id && fresh.id.startsWith("add-")) {
        const grams = fresh.querySelector('input[type="number"]');
        if (grams) grams.focus();
      }
      return;
    }
    // A swap with out-of-band parts settles once per part: focus moves on the first.
    focusAsked.delete(xhr);
    // A refused stale write (409) went to the reload prompt, which takes focus itself
    // (day_version.js): what the form asked for is about a swap that did not happen.
    if (fresh && fresh.id === "day-conflict") return;
    const element = firstInvalid(fresh) || focusable(asked.id) || focusable(asked.elseId);
    if (element) element.focus();
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
// A form whose effect cannot be undone asks first (data-confirm holds the question), htmx's
// or not: one mechanism, so not htmx's hx-confirm. It listens in the capture phase, before
// htmx's own submit listener on the form, and a "Cancel" stops the event there. Without
// JavaScript the form posts at once, as every form does.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// A plain form posts once: a second click or Enter while the first post is on its way would
// send it again, and a write the server cannot tell from the first (copying a day adds its
// foods again) would be made twice. The second `submit` is blocked rather than the button
// disabled, so the first submitter's name and value still go with the post. This listens in
// the bubble phase, after data-confirm's capture listener: a cancelled confirm stops the
// event there and locks nothing. htmx's forms (hx-post and its kin, or a boosted ancestor)
// are left to htmx, which queues or drops a repeat itself. The lock lasts until the page is
// left; a page the back/forward cache brings back takes posts again.
(() => {
  let sent = new WeakSet();
  const htmxForm = ["get", "post", "put", "patch", "delete"]
    .map((verb) => `[hx-${verb}], [data-hx-${verb}]`)
    .join(", ");
  const htmxSends = (form) => {
    if (form.matches(htmxForm)) return true;
    // The nearest hx-boost decides: an hx-boost="false" inside a boosted region opts out.
    const boost = form.closest("[hx-boost], [data-hx-boost]");
    if (!boost) return false;
    return (boost.getAttribute("hx-boost") ?? boost.getAttribute("data-hx-boost")) === "true";
  };
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.method !== "post" || htmxSends(form)) return;
    if (sent.has(form)) event.preventDefault();
    else sent.add(form);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) sent = new WeakSet();
  });
})();
