using Bunit;
using Cairn.Web.Components.Models;
using MudBlazor.Services;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class TagFilterTests : BunitContext
{
    public TagFilterTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Clicking_a_tag_includes_it_then_excludes_it_then_drops_it()
    {
        IReadOnlyList<string?> values = [];
        var all = false;
        var filter = Render<TagFilter>(p => p
            .Add(f => f.Known, ["a", "b"])
            .Add(f => f.Values, values)
            .Add(f => f.OnChange, change => { values = change.Values; all = change.All; }));

        filter.Find("[data-tag=a]").Click();
        Assert.Equal(["a"], values);

        filter.Render(p => p.Add(f => f.Values, values));
        filter.Find("[data-tag=a]").Click();
        Assert.Equal(["__$not a"], values);

        filter.Render(p => p.Add(f => f.Values, values));
        filter.Find("[data-tag=a]").Click();
        Assert.Empty(values);

        filter.Render(p => p.Add(f => f.Values, values));
        filter.Find("[data-tag='']").Click();
        Assert.Equal([null], values);
        filter.Find("[data-testid=tags-all]").Click();
        Assert.True(all);
    }
}
