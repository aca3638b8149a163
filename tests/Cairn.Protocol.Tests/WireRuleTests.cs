using System.Text;
using Xunit;

namespace Cairn.Protocol.Tests;

/// <summary>The wire rules the SDK, the web UI and the server share: metadata-key escaping, last-metric keys and the envelope reader.</summary>
public sealed class WireRuleTests
{
    [Theory]
    [InlineData("dataset", "dataset")]
    [InlineData(" dataset ", "dataset")]
    [InlineData("a.b", "a%2Eb")]
    [InlineData("50%", "50%%")]
    [InlineData("$price", "%24price")]
    [InlineData("_private", "%_private")]
    [InlineData("a__b", "a%_%_b")]
    [InlineData("a_b", "a_b")]
    [InlineData("%2E", "%%2E")]
    [InlineData("", "")]
    public void Metadata_keys_are_escaped_as_clearml_stores_them(string key, string escaped)
    {
        Assert.Equal(escaped, MetadataKeys.Escape(key));
        Assert.Equal(key.Trim(), MetadataKeys.Unescape(escaped));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("100%x")]
    [InlineData("plain")]
    public void Text_that_is_not_an_escape_sequence_unescapes_to_itself(string text) =>
        Assert.Equal(text, MetadataKeys.Unescape(text));

    [Fact]
    public void A_metadata_value_path_is_one_escaped_segment()
    {
        Assert.Equal("metadata.dataset.value", MetadataKeys.ValuePath("dataset"));
        Assert.Equal("metadata.img%2Esize.value", MetadataKeys.ValuePath("img.size"));
    }

    [Fact]
    public void Last_metric_keys_are_md5_hex_of_the_utf8_names()
    {
        Assert.Equal("81513effdf5790b79549208838404407", MetricKeys.Hash("loss"));
        Assert.Equal("812140cd779e71128a71ede392052bd3", MetricKeys.Hash("précision"));
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", MetricKeys.Hash(""));
        Assert.Equal("last_metrics.81513effdf5790b79549208838404407.d41d8cd98f00b204e9800998ecf8427e.min_value",
            MetricKeys.LastMetricPath("loss", "", "min_value"));
        Assert.Equal(["value", "min_value", "max_value"], MetricKeys.Values);
    }

    [Fact]
    public void The_envelope_reader_gives_code_subcode_message_transaction_and_data()
    {
        var body = """{"meta":{"id":"c1","trx":"t1","endpoint":{"name":"models.get_by_id"},"result_code":400,"result_subcode":201,"result_msg":"Invalid model id","error_stack":null,"error_data":{}},"data":{"x":1}}""";
        var envelope = ResponseEnvelope.Read(Encoding.UTF8.GetBytes(body))!;
        Assert.Equal(400, envelope.Code);
        Assert.Equal(201, envelope.Subcode);
        Assert.Equal("Invalid model id", envelope.Message);
        Assert.Equal("t1", envelope.Trx);
        Assert.Equal(1, envelope.Data!["x"]!.GetValue<int>());
        Assert.Null(envelope.Data.Parent); // detached: the caller may keep it
        Assert.False(envelope.IsSuccess(400));

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body));
        Assert.Equal(envelope with { Data = null }, ResponseEnvelope.Read(stream)! with { Data = null });
    }

    [Fact]
    public void A_success_without_data_or_subcode_reads_as_empty()
    {
        var envelope = ResponseEnvelope.Read("""{"meta":{"result_code":200,"result_msg":"OK"}}"""u8)!;
        Assert.Equal(200, envelope.Code);
        Assert.Equal(0, envelope.Subcode);
        Assert.Null(envelope.Data);
        Assert.True(envelope.IsSuccess(200));
        // No result code: the HTTP status stands.
        var bare = ResponseEnvelope.Read("""{"meta":{}}"""u8)!;
        Assert.Null(bare.Code);
        Assert.True(bare.IsSuccess(200));
        Assert.False(bare.IsSuccess(503));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("""{"data":{}}""")]
    [InlineData("""{"meta":"ok"}""")]
    [InlineData("[1,2]")]
    [InlineData("{\"meta\":")]
    public void A_body_that_is_not_an_envelope_reads_as_null(string body)
    {
        Assert.Null(ResponseEnvelope.Read(Encoding.UTF8.GetBytes(body)));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body));
        Assert.Null(ResponseEnvelope.Read(stream));
    }

    [Fact]
    public void A_result_code_of_the_wrong_type_is_absent_not_an_error()
    {
        var envelope = ResponseEnvelope.Read("""{"meta":{"result_code":"500","result_subcode":1.5,"result_msg":3}}"""u8)!;
        Assert.Null(envelope.Code);
        Assert.Equal(0, envelope.Subcode);
        Assert.Null(envelope.Message);
    }
}
