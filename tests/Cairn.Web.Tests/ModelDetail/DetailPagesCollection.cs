using Xunit;

namespace Cairn.Web.Tests.ModelDetail;

/// <summary>
/// The detail, task and comparison page tests run one class at a time: each drives its own
/// Chromium with plotly.js, and running them side by side on a small machine slows the other
/// UI tests past their waits.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DetailPagesCollection
{
    public const string Name = "Detail pages";
}
