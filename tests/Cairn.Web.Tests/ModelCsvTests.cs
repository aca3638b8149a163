using System.Text.Json.Nodes;
using Cairn.Web.Models;
using Xunit;

namespace Cairn.Web.Tests;

public sealed class ModelCsvTests
{
    [Fact]
    public void Values_with_commas_quotes_and_formula_prefixes_are_written_safely()
    {
        var row = ModelRow.FromDocument(new JsonObject
        {
            ["id"] = "m1",
            ["name"] = "=cmd|' /c calc'!A1",
            ["tags"] = new JsonArray("a", "b"),
            ["comment"] = "says \"hi\"",
            ["ready"] = true,
        });
        var csv = ModelCsv.Write(["name", "tags", "ready", "comment"], [row]);
        Assert.Equal("Name,Tags,Status,Description\r\n'=cmd|' /c calc'!A1,\"a, b\",Published,\"says \"\"hi\"\"\"\r\n", csv);
    }
}
