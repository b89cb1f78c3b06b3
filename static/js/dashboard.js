/* Election-night dashboard (tallies/views/dashboard.py): charts, live updates and the station map.
 *
 * Data come from <script type="application/json"> elements rendered with Django's json_script
 * (the CSP allows no inline script): "dashboard-config" (URLs, poll interval, labels) and
 * "dashboard-data" (counts, tables, progress, call list, shares: the shape of
 * tallies.selectors.dashboard.Dashboard.as_json). Every `poll_seconds` the script fetches the
 * same shape again and updates the numbers, the tables and the charts; the map is refreshed
 * every MAP_EVERY polls. Text goes in with textContent only, never as HTML. The process
 * statistics page uses the violations chart only ("violations-data").
 */
(function () {
  "use strict";

  var MAP_EVERY = 4; // polls between map refreshes (2 minutes at 30 s)
  var DASH = "—";

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  var DECIMAL = /^-?\d+\.\d+$/;
  var decimalSeparator = ".";

  /* A number as the page's language writes it (the server's DECIMAL_SEPARATOR): "12.50" → "12,50". */
  function localNumber(value) {
    var text = String(value);
    return DECIMAL.test(text) ? text.replace(".", decimalSeparator) : text;
  }

  function toNumber(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function statusColours(statuses) {
    var colours = {};
    statuses.concat([{ code: "unfollowed" }]).forEach(function (status) {
      var swatch = document.querySelector('[data-status-swatch="' + status.code + '"]');
      colours[status.code] = swatch ? getComputedStyle(swatch).backgroundColor : "#888888";
    });
    return colours;
  }

  /* ---- tables -------------------------------------------------------------------------- */

  function cell(tag, value) {
    var element = document.createElement(tag);
    if (value && typeof value === "object") {
      var link = document.createElement("a");
      link.href = value.href;
      link.textContent = value.text;
      element.appendChild(link);
    } else {
      element.textContent = value === null || value === undefined || value === "" ? DASH : localNumber(value);
    }
    if (tag === "th") { element.scope = "row"; }
    return element;
  }

  function fillRows(kind, rows) {
    var body = document.querySelector('tbody[data-rows="' + kind + '"]');
    if (!body || rows.length === 0) { return; }
    var fragment = document.createDocumentFragment();
    rows.forEach(function (cells) {
      var row = document.createElement("tr");
      cells.forEach(function (value, index) { row.appendChild(cell(index === 0 ? "th" : "td", value)); });
      fragment.appendChild(row);
    });
    body.replaceChildren(fragment);
  }

  function areaCells(row, statuses, withRegion) {
    var cells = [row.name];
    if (withRegion) { cells.push(row.region); }
    statuses.forEach(function (status) { cells.push(row.counts[status.code]); });
    return cells.concat([
      row.total, row.expected, row.complete_of_expected, row.territory, row.complete_of_territory
    ]);
  }

  function callCells(row, config) {
    var station = { text: row.station, href: config.station_url.replace(config.placeholder, String(row.station_id)) };
    var phone = row.phone ? { text: row.phone, href: "tel:" + row.phone } : "";
    return [station, row.tec, row.observer, row.code, phone, row.partners];
  }

  function progressCells(progress, statuses) {
    return progress.labels.map(function (label, index) {
      return [label].concat(statuses.map(function (status) { return progress.series[status.code][index]; }));
    });
  }

  function setText(id, value) {
    var element = document.getElementById(id);
    if (element) { element.textContent = value === null || value === undefined ? DASH : localNumber(value); }
  }

  /* ---- charts -------------------------------------------------------------------------- */

  function progressChart(data, config, colours) {
    var canvas = document.getElementById("progress-chart");
    if (!canvas || !window.Chart) { return null; }
    var datasets = config.statuses.map(function (status) {
      return {
        label: status.label,
        data: data.progress.series[status.code],
        borderColor: colours[status.code],
        backgroundColor: colours[status.code],
        borderWidth: 2,
        pointRadius: data.progress.labels.length > 60 ? 0 : 2
      };
    });
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: data.progress.labels, datasets: datasets },
      options: chartOptions(config.labels.time, config.labels.stations, 0)
    });
  }

  function sharesChart(data, config) {
    var canvas = document.getElementById("shares-chart");
    if (!canvas || !window.Chart) { return null; }
    return new window.Chart(canvas, {
      type: "bar",
      data: sharesData(data.shares, config),
      options: chartOptions("", config.labels.percent)
    });
  }

  function sharesData(shares, config) {
    return {
      labels: shares.map(function (bar) { return bar.label; }),
      datasets: [
        { label: config.labels.observer, data: shares.map(function (b) { return toNumber(b.observer); }), backgroundColor: "#0b57d0" },
        { label: config.labels.official, data: shares.map(function (b) { return toNumber(b.official); }), backgroundColor: "#a8071a" }
      ]
    };
  }

  function chartOptions(xTitle, yTitle, precision) {
    return {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { title: { display: Boolean(xTitle), text: xTitle } },
        y: { title: { display: true, text: yTitle }, beginAtZero: true, ticks: { precision: precision } }
      }
    };
  }

  function violationsChart() {
    var spec = readJson("violations-data");
    var canvas = document.getElementById("violations-chart");
    if (!spec || !canvas || !window.Chart) { return; }
    var colours = { "new": "#5c6670", verified: "#009e73", rejected: "#d55e00" };
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (one) {
          return { label: one.label, data: one.data, backgroundColor: colours[one.code] || "#0b57d0" };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  /* ---- the map ------------------------------------------------------------------------- */

  function StationMap(config, colours) {
    this.config = config;
    this.colours = colours;
    this.labels = {};
    config.statuses.forEach(function (status) { this.labels[status.code] = status.label; }, this);
    this.labels.unfollowed = config.labels.unfollowed;
    this.element = document.getElementById("station-map");
    this.map = null;
    this.markers = {};
  }

  StationMap.prototype.refresh = function () {
    if (!this.element) { return; }
    if (!window.L) { this.element.textContent = this.config.labels.no_map; return; }
    var self = this;
    fetch(this.config.stations_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) { self.draw(data.stations); })
      .catch(function () { /* the next refresh tries again */ });
  };

  StationMap.prototype.draw = function (stations) {
    if (stations.length === 0) {
      this.element.textContent = this.config.labels.no_coordinates;
      return;
    }
    var first = this.map === null;
    if (first) {
      this.element.textContent = "";
      this.map = window.L.map(this.element, { preferCanvas: true, attributionControl: false });
    }
    stations.forEach(this.place, this);
    if (first) {
      var points = stations.map(function (s) { return [Number(s[2]), Number(s[3])]; });
      this.map.fitBounds(points, { padding: [20, 20], maxZoom: 14 });
    }
  };

  StationMap.prototype.place = function (station) {
    var id = station[0], status = station[4];
    var style = { radius: 6, weight: 1, color: "#333333", fillColor: this.colours[status], fillOpacity: 0.9 };
    var marker = this.markers[id];
    if (marker) {
      marker.setStyle(style);
    } else {
      marker = window.L.circleMarker([Number(station[2]), Number(station[3])], style).addTo(this.map);
      marker.on("click", this.popup.bind(this, marker));
      this.markers[id] = marker;
    }
    marker.station = station;
  };

  StationMap.prototype.popup = function (marker) {
    var station = marker.station;
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = this.config.station_url.replace(this.config.placeholder, String(station[0]));
    link.textContent = station[1];
    box.appendChild(link);
    box.appendChild(document.createTextNode(": " + (this.labels[station[4]] || station[4])));
    window.L.popup().setLatLng(marker.getLatLng()).setContent(box).openOn(this.map);
  };

  /* ---- live updates -------------------------------------------------------------------- */

  function Dashboard(config, data) {
    this.config = config;
    decimalSeparator = config.decimal_separator || ".";
    this.colours = statusColours(config.statuses);
    this.progress = progressChart(data, config, this.colours);
    this.shares = sharesChart(data, config);
    this.map = new StationMap(config, this.colours);
    this.polls = 0;
  }

  Dashboard.prototype.start = function () {
    this.map.refresh();
    var self = this;
    window.setInterval(function () { if (!document.hidden) { self.poll(); } }, this.config.poll_seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { self.poll(); } });
  };

  Dashboard.prototype.poll = function () {
    var self = this;
    fetch(this.config.data_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) { self.update(data); setFailed(false); })
      .catch(function () { setFailed(true); });
    this.polls += 1;
    if (this.polls % MAP_EVERY === 0) { this.map.refresh(); }
  };

  function setFailed(failed) {
    var element = document.getElementById("dashboard-error");
    if (element) { element.hidden = !failed; }
  }

  Dashboard.prototype.update = function (data) {
    var config = this.config, statuses = config.statuses;
    statuses.forEach(function (status) { setText("count-" + status.code, data.total.counts[status.code]); });
    setText("count-total", data.total.total);
    setText("count-expected", data.total.expected);
    setText("count-territory", data.total.territory);
    setText("count-complete-of-expected", data.total.complete_of_expected);
    setText("count-complete-of-territory", data.total.complete_of_territory);
    setText("dashboard-updated", data.updated);
    setText("calls-count", data.call_list.count);
    fillRows("regions", data.regions.map(function (row) { return areaCells(row, statuses, false); }));
    fillRows("tecs", data.tecs.map(function (row) { return areaCells(row, statuses, true); }));
    fillRows("progress", progressCells(data.progress, statuses));
    fillRows("calls", data.call_list.rows.map(function (row) { return callCells(row, config); }));
    var regional = data.coverage && data.coverage.regions_total;
    fillRows("shares", data.shares.map(function (bar) {
      var row = [bar.label, bar.observer, bar.official];
      return regional ? row.concat([bar.official_in_regions]) : row;
    }));
    this.redraw(data);
  };

  Dashboard.prototype.redraw = function (data) {
    if (this.progress) {
      this.progress.data.labels = data.progress.labels;
      this.progress.data.datasets.forEach(function (dataset, index) {
        dataset.data = data.progress.series[this.config.statuses[index].code];
      }, this);
      this.progress.update();
    }
    if (this.shares) {
      this.shares.data = sharesData(data.shares, this.config);
      this.shares.update();
    }
  };

  function start() {
    violationsChart();
    var config = readJson("dashboard-config");
    var data = readJson("dashboard-data");
    if (config && data) { new Dashboard(config, data).start(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
