/* The phone layout of long pages (≤ 480 px; static/css/app.css, "table.cards", "details.fold").
 *
 * Cards: every table with a header row of three columns or more gets class "cards", and each
 * body cell a data-label naming its column (the header's text), which the phone layout shows
 * in front of the value. Without this script, or on a wider screen, the table is the same
 * table, scrolling inside its own box when it must.
 * Folds: on a phone, a page taller than three screens keeps its first section open and folds
 * each later one (a top-level <h2> and what follows it, up to the next) into a <details> whose
 * summary is that heading; a section a link points to (#id) stays open.
 */
(function () {
  "use strict";

  function headers(table) {
    const row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) return null;
    const names = [];
    for (const cell of row.cells) {
      for (let i = 0; i < (cell.colSpan || 1); i++) names.push(cell.textContent.trim());
    }
    return names;
  }

  function label(table) {
    const names = headers(table);
    if (!names || names.length < 3) return;
    table.classList.add("cards");
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (names[column] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column]);
          column += cell.colSpan || 1;
        }
      }
    }
  }

  function fold(root) {
    const heads = [...root.children].filter((e) => e.tagName === "H2");
    for (const head of heads.slice(1)) {
      const details = document.createElement("details");
      details.className = "fold";
      const summary = document.createElement("summary");
      head.before(details);
      summary.append(head);
      details.append(summary);
      while (details.nextSibling && details.nextSibling.tagName !== "H2") details.append(details.nextSibling);
      const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      details.open = Boolean(target && details.contains(target));
    }
  }

  function start() {
    for (const table of document.querySelectorAll("main table")) label(table);
    const main = document.querySelector("main");
    if (main && window.matchMedia("(max-width: 480px)").matches && main.scrollHeight > 3 * window.innerHeight) {
      fold(main);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
