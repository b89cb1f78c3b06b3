/* Outbox of the forms an observer sends from the field (a protocol copy, a violation act): what
 * is typed without a connection is kept on the phone, encrypted, and sent when the connection is
 * back. Nothing typed is ever dropped silently.
 *
 * Loaded on every page of a logged-in user (templates/base.html); the <script> tag carries
 * data-user (IndexedDB is per user), data-receipts (the path of copy receipts, /copies/), data-sw
 * (the service worker's URL) and data-logout-confirm (translated; "{n}" is the count). A form
 * whose receipts are elsewhere says where in data-outbox-receipts (acts: /acts/).
 *
 * - Submitting form[data-outbox] POSTs with fetch. A redirect to a receipt (/copies/<id>/,
 *   /acts/<id>/) means stored; the browser then shows the receipt. When fetch fails (no
 *   network), the browser says it is offline, or the server answers 5xx/408/429, the fields
 *   (files as Blobs) are queued and the form is cleared for the next one with a new client_uuid.
 *   Any other answer (the form again with errors, 403, the login page) is shown, or kept
 *   as "needs attention" when it cannot be.
 * - The queue is replayed on load, on the `online` event and every 30 s. The server keys each
 *   copy and act by its client_uuid, so a replay of one already stored (its answer was lost, two
 *   tabs replayed it) returns that same one. An entry is deleted only after a receipt.
 * - 503 (or 429) with Retry-After means the database or broker failed for a moment
 *   (config/unavailable.py): the replay stops there and starts again after that many seconds
 *   (at least 1 s, at most the 30 s of the regular replay), rather than after the next 30 s.
 * - ASVS 14.3.3: the queue holds only the form's fields, encrypted with AES-GCM under a
 *   non-extractable key kept beside it; only the entry's id (its client_uuid), time and state
 *   are in clear. This keeps figures out of casual reads of the storage; it is no defence
 *   against code running in this origin. ASVS 14.3.1: logging out deletes queue, key and
 *   cached pages, after a warning when copies are still waiting.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  const DB_NAME = "observer-outbox-" + script.dataset.user;
  const RECEIPTS = script.dataset.receipts;
  const RETRY_MS = 30000;
  const SEND_MS = 120000; // generous: a copy with photos over 2G
  const LATER = [408, 429];
  let reopened = null; // id of the entry put back in the form by "Open", if any
  let replaying = null;
  let retryTimer = null; // the replay the server's Retry-After asked for, if any

  // --- IndexedDB: store "keys" holds the CryptoKey, store "entries" the queued copies.

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("keys");
        request.result.createObjectStore("entries", { keyPath: "id" });
      };
      request.onsuccess = () => {
        request.result.onversionchange = () => request.result.close(); // lets logout delete it
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
    });
  }

  async function run(storeName, mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = work(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    }).finally(() => db.close());
  }

  const allEntries = () => run("entries", "readonly", (s) => s.getAll());
  const putEntry = (entry) => run("entries", "readwrite", (s) => s.put(entry));
  const removeEntry = (id) => run("entries", "readwrite", (s) => s.delete(id));
  const getEntry = (id) => run("entries", "readonly", (s) => s.get(id));

  // --- Encryption: one AES-GCM key per user and phone, made here and never exportable.

  async function key() {
    const existing = await run("keys", "readonly", (s) => s.get("aes"));
    if (existing) return existing;
    const made = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    try {
      await run("keys", "readwrite", (s) => s.add(made, "aes"));
      return made;
    } catch (error) {
      return run("keys", "readonly", (s) => s.get("aes")); // another tab stored one first
    }
  }

  async function seal(cryptoKey, bytes) {
    const iv = crypto.getRandomValues(new Uint8Array(12)); // never reused: random per message
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, cryptoKey, bytes);
    return { iv, data: new Blob([data]) };
  }

  async function unseal(cryptoKey, sealed) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, cryptoKey, await sealed.data.arrayBuffer());
  }

  // An entry: {id, saved (ms), attention, body: sealed JSON {url, receipts, fields}, files: [{name, sealed, ...}]}.
  async function pack(id, url, receipts, formData) {
    const cryptoKey = await key();
    const fields = [];
    const files = [];
    for (const [name, value] of formData) {
      if (typeof value === "string") fields.push([name, value]);
      else if (value.size > 0) {
        const sealed = await seal(cryptoKey, await value.arrayBuffer());
        files.push({ name, filename: value.name, type: value.type, sealed });
      }
    }
    const body = await seal(cryptoKey, new TextEncoder().encode(JSON.stringify({ url, receipts, fields })));
    return { id, saved: Date.now(), attention: false, body, files };
  }

  async function unpack(entry) {
    const cryptoKey = await key();
    const { url, receipts, fields } = JSON.parse(new TextDecoder().decode(await unseal(cryptoKey, entry.body)));
    const files = [];
    for (const f of entry.files) {
      files.push([f.name, new File([await unseal(cryptoKey, f.sealed)], f.filename, { type: f.type })]);
    }
    return { url, receipts: receipts || RECEIPTS, fields, files };
  }

  function formDataOf(contents) {
    const data = new FormData();
    const live = document.querySelector("input[name=csrfmiddlewaretoken]"); // survives a new login
    for (const [name, value] of contents.fields) {
      data.append(name, name === "csrfmiddlewaretoken" && live ? live.value : value);
    }
    for (const [name, file] of contents.files) data.append(name, file, file.name);
    return data;
  }

  // --- Sending: "sent" (a receipt), "offline", "later" (server busy) or "attention".

  function isReceipt(response, receipts) {
    const path = new URL(response.url).pathname;
    return response.ok && response.redirected && path.startsWith(receipts) && /^\d+\/$/.test(path.slice(receipts.length));
  }

  async function post(url, receipts, formData) {
    if (!navigator.onLine) return { outcome: "offline" };
    let response;
    try {
      // A hung connection must not stall the outbox: give up after SEND_MS and try again later.
      const signal = AbortSignal.timeout(SEND_MS);
      response = await fetch(url, { method: "POST", body: formData, credentials: "same-origin", signal });
    } catch (error) {
      return { outcome: "offline" };
    }
    if (isReceipt(response, receipts)) return { outcome: "sent", response };
    if (response.status >= 500 || LATER.includes(response.status)) return { outcome: "later", response };
    return { outcome: "attention", response };
  }

  async function replay() {
    for (const entry of await allEntries()) {
      if (entry.attention) continue; // waits for the observer: "Open", check, send again
      let contents;
      try {
        contents = await unpack(entry);
      } catch (error) {
        continue; // unreadable (key lost): kept and counted, never sent garbled, never blocks the rest
      }
      const { outcome, response } = await post(contents.url, contents.receipts, formDataOf(contents));
      if (outcome === "offline") break;
      if (outcome === "later" && retryAfter(response) !== null) {
        replayAfter(retryAfter(response)); // the whole server is busy: the next entries would be too
        break;
      }
      if (outcome === "sent") await removeEntry(entry.id);
      if (outcome === "attention") await putEntry({ ...entry, attention: true });
    }
  }

  // Milliseconds a 503/429 asks us to wait (its Retry-After in seconds), within [1 s, RETRY_MS]; else null.
  function retryAfter(response) {
    if (!response || ![503, 429].includes(response.status)) return null;
    const seconds = Number.parseInt(response.headers.get("Retry-After") || "", 10);
    return Number.isFinite(seconds) ? Math.min(Math.max(seconds, 1) * 1000, RETRY_MS) : null;
  }

  function replayAfter(ms) {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      replayAll();
    }, ms);
  }

  function replayAll() {
    replaying = replaying || replay().catch(() => null).finally(() => { replaying = null; }).then(showStatus);
    return replaying;
  }

  // --- The form (a copy, an act).

  function uuidInput(form) {
    return form.querySelector("input[name=client_uuid]");
  }

  function receiptsOf(form) {
    return form.dataset.outboxReceipts || RECEIPTS;
  }

  async function onOutboxSubmit(event, form) {
    event.preventDefault();
    const button = event.submitter;
    if (button) button.disabled = true;
    const data = new FormData(form);
    const id = data.get("client_uuid") || crypto.randomUUID();
    const { outcome, response } = await post(form.action, receiptsOf(form), data);
    if (outcome === "sent") {
      await Promise.all([removeEntry(id), reopened && removeEntry(reopened)]).catch(() => null);
      window.location.assign(response.url);
      return;
    }
    if (outcome === "attention" && (await showAnswer(response))) return;
    if (outcome === "later" && retryAfter(response) !== null) replayAfter(retryAfter(response));
    try {
      if (reopened && reopened !== id) await removeEntry(reopened);
      const entry = await pack(id, form.action, receiptsOf(form), data);
      await putEntry({ ...entry, attention: outcome === "attention" });
    } catch (error) {
      form.submit(); // no IndexedDB here: let the browser try, and say it is offline
      return;
    }
    reopened = null;
    form.reset();
    uuidInput(form).value = crypto.randomUUID(); // the next one must never share this key
    if (button) button.disabled = false;
    await showStatus();
    document.getElementById("outbox").scrollIntoView();
  }

  // The server's answer in place of this page's <main> (the form again, with its errors).
  async function showAnswer(response) {
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = html.querySelector("main");
    if (!main || !html.querySelector("form[data-outbox]")) return false;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = html.title;
    await showStatus();
    return true;
  }

  // "Open" on an entry that needs attention: back into the form, to check and send again.
  async function reopen(form) {
    const match = /^#outbox-([\w-]+)$/.exec(window.location.hash);
    const entry = match && (await getEntry(match[1]));
    if (!entry) return false;
    const contents = await unpack(entry);
    for (const [name, value] of contents.fields) {
      const input = form.elements.namedItem(name);
      if (input && name !== "csrfmiddlewaretoken" && input.type !== "file") input.value = value;
    }
    const transfers = new Map(); // one per file input: an input of several photos gets them all back
    for (const [name, file] of contents.files) {
      const input = form.elements.namedItem(name);
      if (!input || input.type !== "file") continue;
      if (!transfers.has(input)) transfers.set(input, new DataTransfer());
      transfers.get(input).items.add(file);
    }
    for (const [input, transfer] of transfers) input.files = transfer.files;
    reopened = entry.id;
    return true;
  }

  // --- The status line: "Saved on this phone, … (N waiting)" and the entries needing attention.

  async function showStatus() {
    const box = document.getElementById("outbox");
    if (!box) return;
    const entries = await allEntries().catch(() => []);
    const waiting = entries.filter((e) => !e.attention);
    const stuck = entries.filter((e) => e.attention);
    box.querySelector("[data-outbox-waiting]").textContent = waiting.length
      ? box.dataset.waiting.replace("{n}", waiting.length)
      : "";
    const list = box.querySelector("ul");
    list.replaceChildren();
    for (const entry of stuck) {
      const url = await unpack(entry).then((c) => c.url, () => window.location.pathname);
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = new URL(url, window.location.href).pathname + "#outbox-" + entry.id;
      link.textContent = box.dataset.open;
      link.dataset.outboxOpen = "";
      item.append(box.dataset.attention + " (" + new Date(entry.saved).toLocaleString() + ") ", link);
      list.append(item);
    }
    list.hidden = stuck.length === 0;
    box.hidden = entries.length === 0;
    box.dataset.count = String(waiting.length);
    box.dataset.attentionCount = String(stuck.length);
  }

  // --- Logout: warn while copies wait, then delete queue, key and cached pages.

  async function forget() {
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
    if (window.caches) {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("observer-offline-")).map((n) => caches.delete(n)));
    }
  }

  async function onLogout(event, form) {
    event.preventDefault();
    const count = (await allEntries().catch(() => [])).length;
    if (count && !window.confirm(script.dataset.logoutConfirm.replace("{n}", count))) return;
    await forget().catch(() => null);
    form.submit(); // submit() fires no submit event: no loop
  }

  // --- Wiring.

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-outbox]")) onOutboxSubmit(event, form);
    else if (form.matches("form[data-outbox-logout]")) onLogout(event, form);
  });

  // "Open" on this same page changes only the hash: fill the form without a reload.
  window.addEventListener("hashchange", () => {
    const form = document.querySelector("form[data-outbox]");
    if (form) reopen(form).catch(() => null);
  });

  async function start() {
    const form = document.querySelector("form[data-outbox]");
    // A blank form (maybe from the offline cache) gets a key of its own, never a cached one.
    if (form && !(await reopen(form).catch(() => false)) && form.hasAttribute("data-fresh")) {
      uuidInput(form).value = crypto.randomUUID();
    }
    await replayAll();
    if ("serviceWorker" in navigator && script.dataset.sw) {
      const registration = await navigator.serviceWorker.register(script.dataset.sw, { scope: "/" });
      if (form) cacheForOffline(registration);
    }
  }

  // Ask the service worker to keep this form page, its styles and scripts for offline use.
  async function cacheForOffline(registration) {
    const worker = registration.active || (await navigator.serviceWorker.ready).active;
    const assets = [...document.querySelectorAll("link[rel=stylesheet], script[src]")].map((e) => e.href || e.src);
    worker.postMessage({ cache: [window.location.pathname + window.location.search, ...assets] });
  }

  window.addEventListener("online", replayAll);
  setInterval(replayAll, RETRY_MS);
  start().catch(() => null);
})();
