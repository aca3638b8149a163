using System.Text.Json;
using Microsoft.Playwright;

namespace Cairn.Bench.Web;

/// <summary>What the browser saw of one navigation to the table, in ms since the navigation started.</summary>
internal sealed record NavigationFigures(
    double ResponseStart, double ResponseEnd, double DomContentLoaded, double? Rows, double? RowsPainted, double? Interactive, double Live,
    bool Prerendered, int Flickers, string[] Ids, DomSize Dom);

/// <summary>The size of the table body the browser holds: characters of its HTML, SVG icons and elements.</summary>
internal sealed record DomSize(int Characters, int Svgs, int Elements);

/// <summary>What the browser saw of one filter click, in ms since the click was dispatched.</summary>
internal sealed record ClickFigures(double? UrlChanged, double? Busy, double Rows, double Painted);

/// <summary>
/// The in-page instruments: an init script that timestamps (with <c>performance.now()</c>, whose
/// origin is the navigation's start) the first model row in the DOM, the frame after it, the Blazor
/// circuit becoming interactive and the rows being live (interactive, not loading); and a click
/// that times itself until the table holds exactly the expected rows.
/// </summary>
internal static class TableProbe
{
    /// <summary>Runs in every document before its own scripts; MutationObserver sees parser-inserted rows too.</summary>
    public const string InitScript = """
        (() => {
          const c = window.__cairn = { flickers: 0, hadRows: false };
          const mark = (name) => { if (c[name] === undefined) { c[name] = performance.now(); performance.mark('cairn-' + name); } };
          for (const method of ['pushState', 'replaceState']) {
            const original = history[method];
            history[method] = function (...args) { c.urlAt = performance.now(); return original.apply(this, args); };
          }
          const look = () => {
            const table = document.querySelector('[data-testid=model-table]');
            const rows = table ? table.querySelectorAll('tbody tr[data-testid=model-row]').length : 0;
            const interactive = document.querySelector('[data-interactive=true]') !== null;
            if (rows > 0 && c.rows === undefined) {
              mark('rows');
              c.prerendered = !interactive;
              requestAnimationFrame(() => mark('rowsPainted'));
            }
            if (c.hadRows && rows === 0) { c.flickers++; }
            c.hadRows = rows > 0;
            if (interactive) { mark('interactive'); }
            if (interactive && rows > 0 && table.getAttribute('aria-busy') === 'false') { mark('live'); }
            if (table && table.getAttribute('aria-busy') === 'true') { c.busyAt ??= performance.now(); }
          };
          new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-busy', 'data-interactive'] });
        })();
        """;

    private const string ClickScript = """
        async ([selector, expected, timeoutMs]) => {
          const c = window.__cairn;
          const element = document.querySelector(selector);
          if (!element) { throw new Error('nothing matches ' + selector); }
          const done = () => {
            const table = document.querySelector('[data-testid=model-table]');
            if (!table || table.getAttribute('aria-busy') !== 'false') { return false; }
            const ids = [...table.querySelectorAll('tbody tr[data-testid=model-row]')].map(r => r.dataset.modelId);
            return ids.length === expected.length && ids.every((id, i) => id === expected[i]);
          };
          return await new Promise((resolve, reject) => {
            let start = 0;
            const observer = new MutationObserver(() => {
              if (!done()) { return; }
              const rows = performance.now();
              observer.disconnect();
              clearTimeout(timer);
              requestAnimationFrame(() => resolve({
                urlChanged: c.urlAt >= start ? c.urlAt - start : null,
                busy: c.busyAt >= start ? c.busyAt - start : null,
                rows: rows - start,
                painted: performance.now() - start,
              }));
            });
            const timer = setTimeout(() => { observer.disconnect(); reject(new Error('the rows did not change within ' + timeoutMs + ' ms')); }, timeoutMs);
            observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
            c.busyAt = undefined;
            start = performance.now();
            element.click();
          });
        }
        """;

    /// <summary>Navigates (measured by the page itself from the navigation's start) and waits until the rows are live.</summary>
    public static async Task<NavigationFigures> NavigateAsync(IPage page, string url)
    {
        await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.WaitForFunctionAsync("() => window.__cairn && window.__cairn.live !== undefined");
        // Settled: the frame after the rows has run.
        await page.WaitForFunctionAsync("() => window.__cairn.rowsPainted !== undefined");
        var json = await page.EvaluateAsync<JsonElement>("""
            () => {
              const c = window.__cairn;
              const n = performance.getEntriesByType('navigation')[0];
              return {
                responseStart: n.responseStart, responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd,
                rows: c.rows ?? null, rowsPainted: c.rowsPainted ?? null, interactive: c.interactive ?? null, live: c.live,
                prerendered: c.prerendered === true, flickers: c.flickers,
                ids: [...document.querySelectorAll('[data-testid=model-table] tbody tr[data-testid=model-row]')].map(r => r.dataset.modelId),
                dom: (b => ({ characters: b.outerHTML.length, svgs: b.querySelectorAll('svg').length, elements: b.querySelectorAll('*').length }))(
                  document.querySelector('[data-testid=model-table] tbody')),
              };
            }
            """);
        return new NavigationFigures(
            json.GetProperty("responseStart").GetDouble(), json.GetProperty("responseEnd").GetDouble(), json.GetProperty("domContentLoaded").GetDouble(),
            Optional(json, "rows"), Optional(json, "rowsPainted"), Optional(json, "interactive"), json.GetProperty("live").GetDouble(),
            json.GetProperty("prerendered").GetBoolean(), json.GetProperty("flickers").GetInt32(),
            [.. json.GetProperty("ids").EnumerateArray().Select(e => e.GetString() ?? "")],
            new DomSize(json.GetProperty("dom").GetProperty("characters").GetInt32(), json.GetProperty("dom").GetProperty("svgs").GetInt32(),
                json.GetProperty("dom").GetProperty("elements").GetInt32()));
    }

    /// <summary>Clicks <paramref name="selector"/> in the page and times it until the table shows exactly <paramref name="expectedIds"/>.</summary>
    public static async Task<ClickFigures> ClickUntilRowsAsync(IPage page, string selector, IReadOnlyList<string> expectedIds, int timeoutMs = 20_000)
    {
        var json = await page.EvaluateAsync<JsonElement>(ClickScript, new object[] { selector, expectedIds.ToArray(), timeoutMs });
        return new ClickFigures(Optional(json, "urlChanged"), Optional(json, "busy"), json.GetProperty("rows").GetDouble(), json.GetProperty("painted").GetDouble());
    }

    private static double? Optional(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
