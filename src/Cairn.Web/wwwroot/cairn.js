// Small browser helpers the Blazor pages call through JS interop.
window.cairn = {
    copy: function (text) {
        if (navigator.clipboard && window.isSecureContext) {
            return navigator.clipboard.writeText(text);
        }
        // Plain-HTTP deployments have no clipboard API; a hidden textarea still works there.
        const area = document.createElement("textarea");
        area.value = text;
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
    },
    download: function (fileName, text, mime) {
        const blob = new Blob([text], { type: mime || "text/csv;charset=utf-8" });
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = fileName;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    },
    // Scrolls the first element matching the selector into view (an artifact a link points at).
    reveal: function (selector) {
        const element = document.querySelector(selector);
        if (element) { element.scrollIntoView({ block: "center" }); }
    },
    // Scrolls a box to its end (the live console, after new lines).
    scrollToEnd: function (selector) {
        const element = document.querySelector(selector);
        if (element) { element.scrollTop = element.scrollHeight; }
    },
    // Scrolls the model table sideways to a column's header, e.g. one just added at its right end.
    revealColumn: function (column) {
        const header = Array.from(document.querySelectorAll(".cairn-grid thead th[data-column]"))
            .find(function (th) { return th.dataset.column === column; });
        if (header) { header.scrollIntoView({ inline: "nearest", block: "nearest" }); }
    },
    // Calls back when the sentinel below the table's last row scrolls into view, to load the next page.
    observeEnd: function (element, component) {
        // A reference to an element that a later render removed, or that was never rendered, arrives unresolved.
        if (!(element instanceof Element)) { return null; }
        const root = element.closest(".cairn-grid-wrap");
        const observer = new IntersectionObserver(function (entries) {
            if (entries.some(function (e) { return e.isIntersecting; })) {
                component.invokeMethodAsync("OnEndVisibleAsync");
            }
        }, { root: root, rootMargin: "200px" });
        observer.observe(element);
        return {
            // Observing again reports the current state, so a page that left the end in view loads the next one.
            recheck: function () { observer.unobserve(element); observer.observe(element); },
            isNearEnd: function () {
                const bottom = root ? root.getBoundingClientRect().bottom : window.innerHeight;
                return element.getBoundingClientRect().top <= bottom + 200;
            },
            dispose: function () { observer.disconnect(); }
        };
    }
};
