using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Cairn.Web.Components.Lineage;

/// <summary>
/// An SVG <c>&lt;text&gt;</c> element: Razor reserves the <c>text</c> tag for its own use, so
/// the graph's labels are written from code.
/// </summary>
public sealed class SvgText : ComponentBase
{
    [Parameter, EditorRequired]
    public string X { get; set; } = "0";

    [Parameter, EditorRequired]
    public string Y { get; set; } = "0";

    [Parameter]
    public string? Class { get; set; }

    [Parameter]
    public string? Anchor { get; set; }

    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "text");
        builder.AddAttribute(1, "x", X);
        builder.AddAttribute(2, "y", Y);
        builder.AddAttribute(3, "class", Class);
        builder.AddAttribute(4, "text-anchor", Anchor);
        builder.AddContent(5, ChildContent);
        builder.CloseElement();
    }
}
