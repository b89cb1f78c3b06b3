/* Control relations of the copy form, checked in the browser as the observer types.
 *
 * The relations arrive as data (<script type="application/json" id="copy-relations">, from
 * elections.relations.relation_data): each is already parsed by the server into signed terms,
 * [sign, line code | "options_total" | null, constant], so this file only adds integers and
 * compares them; no text is ever evaluated. The server stays the judge: a copy that breaks a
 * relation is still sent, kept and flagged. Before sending such a copy the page asks once,
 * "Relations that do not hold: N. Send the copy as it is?".
 *
 * Listeners are on the document (the outbox may replace <main> with the server's answer);
 * the submit check runs in the capture phase, before the outbox sends the form.
 */
(function () {
  "use strict";

  const OPTIONS_TOTAL = "options_total";

  function relations() {
    const data = document.getElementById("copy-relations");
    return data ? JSON.parse(data.textContent) : [];
  }

  // A figure typed so far: a whole number, or null while blank or not a number.
  function figure(form, name) {
    const input = form.elements.namedItem(name);
    if (!input || !/^\s*\d+\s*$/.test(input.value)) return null;
    return parseInt(input.value, 10);
  }

  function optionsTotal(form) {
    let total = 0;
    for (const input of form.querySelectorAll("input[name^='options.']")) {
      const value = figure(form, input.name);
      if (value === null) return null;
      total += value;
    }
    return total;
  }

  function term(form, [sign, name, constant]) {
    if (name === null) return sign * constant;
    const value = name === OPTIONS_TOTAL ? optionsTotal(form) : figure(form, "lines." + name);
    return value === null ? null : sign * value;
  }

  function side(form, terms) {
    let total = 0;
    for (const t of terms) {
      const value = term(form, t);
      if (value === null) return null;
      total += value;
    }
    return total;
  }

  function holds(relation, lhs, rhs) {
    const tolerance = relation.tolerance;
    if (relation.comparator === "==") return Math.abs(lhs - rhs) <= tolerance;
    if (relation.comparator === "<=") return lhs <= rhs + tolerance;
    return lhs + tolerance >= rhs;
  }

  // What a line of the relation should read for it to hold, the other lines as typed:
  // {name, value, bound: "=" | "≤" | "≥"}.
  function expectations(form, relation, lhs, rhs) {
    const out = [];
    const gap = lhs - rhs;
    for (const [where, terms] of [["lhs", relation.lhs], ["rhs", relation.rhs]]) {
      for (const [sign, name] of terms) {
        if (!name || name === OPTIONS_TOTAL) continue;
        const current = figure(form, "lines." + name);
        const moveBy = (where === "lhs" ? -gap : gap) * sign; // change of this line that closes the gap
        let bound = "=";
        if (relation.comparator !== "==") {
          const lhsGrows = (where === "lhs") === (sign > 0);
          bound = (relation.comparator === "<=") === lhsGrows ? "≤" : "≥";
        }
        out.push({ name: name, value: current + moveBy, bound: bound });
      }
    }
    return out;
  }

  function check(form) {
    return relations().map((relation) => {
      const lhs = side(form, relation.lhs);
      const rhs = side(form, relation.rhs);
      if (lhs === null || rhs === null) return { relation: relation, state: "incomplete" };
      if (holds(relation, lhs, rhs)) return { relation: relation, state: "holds", lhs: lhs, rhs: rhs };
      return { relation: relation, state: "broken", lhs: lhs, rhs: rhs, expected: expectations(form, relation, lhs, rhs) };
    });
  }

  // --- Showing the outcome: the list of relations, and a hint under each line involved.

  function panel() {
    return document.getElementById("relations-live");
  }

  function show(form) {
    const box = panel();
    if (!box) return [];
    const results = check(form);
    const list = box.querySelector("ul");
    list.replaceChildren();
    for (const field of form.querySelectorAll(".figure-field.relation-broken")) field.classList.remove("relation-broken");
    for (const hint of form.querySelectorAll(".relation-hint")) hint.remove();
    for (const result of results) {
      const item = document.createElement("li");
      item.className = "relation-" + result.state;
      const state = box.dataset[result.state];
      item.textContent = result.relation.label + " — " + state;
      if (result.state === "broken") {
        const sign = { "==": "≠", "<=": ">", ">=": "<" }[result.relation.comparator];
        item.textContent += " (" + result.lhs + " " + sign + " " + result.rhs + ")";
        for (const expected of result.expected) hint(form, box, result.relation, expected);
      }
      list.append(item);
    }
    const broken = results.filter((r) => r.state === "broken").length;
    box.querySelector("[data-relations-summary]").textContent = broken
      ? box.dataset.summaryBroken.replace("{n}", broken)
      : box.dataset.summaryOk;
    box.classList.toggle("warn-box", broken > 0);
    return results;
  }

  function hint(form, box, relation, expected) {
    const input = form.elements.namedItem("lines." + expected.name);
    const field = input && input.closest(".figure-field");
    if (!field) return;
    field.classList.add("relation-broken");
    const text = document.createElement("p");
    text.className = "relation-hint";
    text.id = input.id + "_relation_" + relation.code;
    const template = { "=": box.dataset.expected, "≤": box.dataset.atMost, "≥": box.dataset.atLeast }[expected.bound];
    // A negative value cannot be what the protocol says: then only the relation is named.
    text.textContent = expected.value >= 0 ? template.replace("{value}", expected.value) + " · " + relation.label : relation.label;
    field.after(text);
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.includes("_relation_"));
    input.setAttribute("aria-describedby", [...described, text.id].join(" "));
  }

  // --- The last step: "Relations that do not hold: N. Send the copy as it is?"

  function confirmBox() {
    return document.getElementById("relations-confirm");
  }

  function onSubmit(event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-relations]")) return;
    const box = confirmBox();
    const broken = show(form).filter((r) => r.state === "broken").length;
    if (!box || broken === 0 || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    event.stopImmediatePropagation(); // the outbox must not send it yet
    box.querySelector("[data-confirm-text]").textContent = box.dataset.question.replace("{n}", broken);
    box.hidden = false;
    box.focus();
  }

  document.addEventListener("submit", onSubmit, true);

  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (!form || !form.matches("form[data-relations]")) return;
    delete form.dataset.confirmed; // changed figures: ask again if still broken
    const box = confirmBox();
    if (box) box.hidden = true;
    show(form);
  });

  // The outbox clears the form for the next copy: that copy must be checked and confirmed anew.
  document.addEventListener("reset", (event) => {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-relations]")) return;
    delete form.dataset.confirmed;
    setTimeout(() => show(form), 0); // after the fields are cleared
  }, true);

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-relations-send], [data-relations-back]");
    if (!button) return;
    const form = document.querySelector("form[data-relations]");
    confirmBox().hidden = true;
    if (button.hasAttribute("data-relations-send")) {
      form.dataset.confirmed = "yes";
      form.requestSubmit(form.querySelector("button[type=submit]"));
    } else {
      const first = form.querySelector(".relation-broken input");
      if (first) first.focus();
    }
  });

  function start() {
    const form = document.querySelector("form[data-relations]");
    if (form) show(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
