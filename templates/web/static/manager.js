/* The manager dashboard's script (vanilla, no framework, no CDN): draws the charts with the ECharts build the
 * app serves, and calls /embed/api/manager with the page's embed token for the drill-downs, the rebalance preview
 * and apply, and the customer search. The page is whole without it; the script adds the charts and the actions. */
(function () {
  'use strict';
  var dash = document.getElementById('dash');
  if (!dash || !dash.dataset.labels) return;
  var L = JSON.parse(dash.dataset.labels);
  var data = JSON.parse(dash.dataset.charts || '{}');
  var token = new URLSearchParams(location.search).get('token') || '';
  var zh = document.documentElement.lang === 'zh-CN';
  // the charts draw text on a canvas: give them the page's font stack (Noto CJK for zh-CN), not ECharts' default
  var font = window.getComputedStyle(document.body).fontFamily;
  var sync = document.getElementById('sync');
  var drawn = [];

  function status(text, error) {
    sync.hidden = !text;
    sync.textContent = text || '';
    sync.classList.toggle('error', !!error);
  }

  function call(method, path, json) {
    status(L.working);
    return fetch(path, {
      method: method,
      headers: { authorization: 'Bearer ' + token, accept: json ? 'application/json' : 'text/html' },
    })
      .then(function (res) {
        if (!res.ok) {
          return res.json().then(
            function (b) {
              throw new Error((b && b.error && b.error.message) || String(res.status));
            },
            function () {
              throw new Error(String(res.status));
            },
          );
        }
        status('');
        return json ? res.json() : res.text();
      })
      .catch(function (e) {
        status(L.failed.replace('{message}', e.message), true);
        throw e;
      });
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var c = window.echarts.init(el, null, { renderer: 'canvas', locale: zh ? 'ZH' : 'EN' });
    option.textStyle = { fontFamily: font };
    option.animation = false;
    c.setOption(option);
    el.setAttribute('data-rendered', 'true');
    drawn.push(c);
    return c;
  }

  function drawCharts() {
    var p = data.portfolio;
    if (p) {
      var colors = ['#2849b8', '#3f9b6b', '#b0b7c3'];
      var series = [];
      p.series.forEach(function (s, i) {
        series.push({
          name: s.name,
          type: 'bar',
          stack: 'n',
          data: s.counts,
          itemStyle: { color: colors[i] },
        });
        series.push({
          name: s.name,
          type: 'bar',
          stack: 'v',
          data: s.values,
          xAxisIndex: 1,
          yAxisIndex: 1,
          itemStyle: { color: colors[i] },
        });
      });
      chart('chart-portfolio', {
        legend: {
          top: 0,
          data: p.series.map(function (s) {
            return s.name;
          }),
        },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        grid: [
          { left: 56, right: 16, top: 48, height: '30%' },
          { left: 56, right: 16, bottom: 28, height: '30%' },
        ],
        title: [
          { text: p.countLabel, top: 26, left: 8, textStyle: { fontSize: 12, fontFamily: font } },
          { text: p.valueLabel, top: '52%', left: 8, textStyle: { fontSize: 12, fontFamily: font } },
        ],
        xAxis: [
          { type: 'category', data: p.categories, gridIndex: 0 },
          { type: 'category', data: p.categories, gridIndex: 1 },
        ],
        yAxis: [
          { type: 'value', gridIndex: 0 },
          { type: 'value', gridIndex: 1 },
        ],
        series: series,
      });
    }
    var a = data.accuracy;
    if (a && a.categories.length) {
      chart('chart-accuracy', {
        legend: { top: 0, data: [a.predictedLabel, a.actualLabel] },
        tooltip: { trigger: 'axis' },
        grid: { left: 56, right: 16, top: 36, bottom: 28 },
        xAxis: { type: 'category', data: a.categories },
        yAxis: { type: 'value' },
        series: [
          {
            name: a.predictedLabel,
            type: 'line',
            data: a.predicted,
            symbolSize: 8,
            itemStyle: { color: '#2849b8' },
          },
          {
            name: a.actualLabel,
            type: 'bar',
            data: a.actual,
            barMaxWidth: 28,
            itemStyle: { color: '#3f9b6b' },
          },
        ],
      });
    }
    var sg = data.segments;
    if (sg && sg.items.length) {
      var palette = ['#2849b8', '#3f9b6b', '#7a5bb8', '#b06a1f', '#1f7f8f', '#8f3f5f', '#5b6b2a', '#4f5866'];
      var segChart = chart('chart-segments', {
        tooltip: {
          formatter: function (p) {
            return p.data.name + '<br>' + p.data.detail;
          },
        },
        series: [
          {
            type: 'treemap',
            roam: false,
            nodeClick: false,
            breadcrumb: { show: false },
            top: 4,
            left: 4,
            right: 4,
            bottom: 4,
            label: { show: true, formatter: '{b}\n{c}', fontFamily: font },
            data: sg.items.map(function (it, i) {
              return {
                name: it.name,
                value: it.value,
                code: it.code,
                detail: it.detail,
                itemStyle: { color: palette[i % palette.length] },
              };
            }),
          },
        ],
      });
      // a segment drills down to its customers in the search (the unsegmented have no filter)
      if (segChart) {
        segChart.on('click', function (p) {
          if (p.data && p.data.code) searchSegment(p.data.code);
        });
      }
    }
    var o = data.offers;
    // the share written beside each bar, so an unused budget reads 0 % instead of looking like a missing bar
    var shareLabel = { show: true, position: 'right', formatter: '{c}%', fontSize: 11, fontFamily: font };
    var offersEl = document.getElementById('chart-offers');
    if (o && o.categories.length && offersEl) {
      // a row per offer, every name shown (ECharts would drop labels that do not fit)
      offersEl.style.height = Math.max(160, 70 + o.categories.length * 36) + 'px';
      chart('chart-offers', {
        legend: { top: 0, data: [o.countLabel, o.moneyLabel] },
        tooltip: {
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          valueFormatter: function (v) {
            return v === null || v === undefined ? '—' : v + '%';
          },
        },
        grid: { left: 8, right: 24, top: 32, bottom: 28, containLabel: true },
        xAxis: {
          type: 'value',
          max: 100,
          name: o.axisLabel,
          nameLocation: 'middle',
          nameGap: 22,
          axisLabel: { formatter: '{value}%' },
        },
        yAxis: { type: 'category', data: o.categories, inverse: true, axisLabel: { interval: 0 } },
        series: [
          {
            name: o.countLabel,
            type: 'bar',
            label: shareLabel,
            data: o.count,
            barMaxWidth: 14,
            itemStyle: { color: '#2849b8' },
          },
          {
            name: o.moneyLabel,
            type: 'bar',
            label: shareLabel,
            data: o.money,
            barMaxWidth: 14,
            itemStyle: { color: '#b06a1f' },
          },
        ],
      });
    }
    window.addEventListener('resize', function () {
      drawn.forEach(function (c) {
        c.resize();
      });
    });
  }

  var movers = document.getElementById('movers');
  var proposal = document.getElementById('proposal');
  var load = document.getElementById('load');
  var form = document.getElementById('search-form');
  var customers = document.getElementById('customers');
  var exportLink = document.getElementById('export');

  function query() {
    var q = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (v) q.set(k, String(v));
    });
    return q;
  }
  function updateExport() {
    if (!exportLink) return;
    var q = query();
    q.set('token', token);
    exportLink.href = '/embed/manager/customers.csv?' + q.toString();
  }
  function search() {
    updateExport();
    return call('GET', '/embed/api/manager/customers?' + query().toString()).then(function (html) {
      customers.innerHTML = html;
    });
  }

  /** The search filtered by one segment alone, brought into view. */
  function searchSegment(code) {
    if (!form) return;
    form.reset();
    form.elements.namedItem('segment').value = code;
    search();
    document.getElementById('search').scrollIntoView();
  }

  dash.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-action]');
    if (!b || b.disabled) return;
    var action = b.dataset.action;
    if (action === 'segment') {
      searchSegment(b.dataset.segment);
    } else if (action === 'movers') {
      call('GET', '/embed/api/manager/movers?kind=' + encodeURIComponent(b.dataset.kind)).then(
        function (html) {
          movers.innerHTML = html;
        },
      );
    } else if (action === 'propose') {
      b.disabled = true;
      call('POST', '/embed/api/manager/rebalance')
        .then(function (html) {
          proposal.innerHTML = html;
        })
        .finally(function () {
          b.disabled = false;
        });
    } else if (action === 'apply') {
      b.disabled = true;
      var out = proposal.querySelector('[data-role="apply-status"]');
      call('POST', '/embed/api/manager/rebalance/' + encodeURIComponent(b.dataset.id) + '/apply', true)
        .then(function (r) {
          out.textContent = r.message;
          return call('GET', '/embed/api/manager/load');
        })
        .then(function (html) {
          load.innerHTML = html;
          proposal.setAttribute('data-applied', 'true');
        })
        .catch(function () {
          b.disabled = false;
        });
    }
  });

  var experiment = document.getElementById('experiment');
  if (experiment) {
    call('GET', '/embed/api/manager/experiment').then(function (html) {
      experiment.innerHTML = html;
    });
  }

  if (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      search();
    });
    form.addEventListener('change', updateExport);
    form.addEventListener('input', updateExport);
    search();
  }
  drawCharts();
})();
