using Xunit;

namespace Cairn.Tests;

public sealed class SkeletonTests
{
    [Fact]
    public void The_request_exception_names_endpoint_and_codes()
    {
        var e = new ClearMLRequestException("models.get_all", 400, 12, "Validation error", "trx1");
        Assert.Equal("models.get_all failed with 400/12: Validation error", e.Message);
    }
}
