using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Cairn.Server.Files;
using Xunit;

namespace Cairn.Server.Tests.Files;

/// <summary>
/// The pipe-based multipart reader on its own: the boundary found wherever the pipe's segments
/// split it, and part bytes that look like a boundary handed on unchanged.
/// </summary>
public sealed class MultipartBodyReaderTests
{
    private static readonly byte[] Delimiter = "\r\n--boundary"u8.ToArray();

    [Fact]
    public void The_delimiter_is_found_however_the_segments_split_the_bytes()
    {
        // Near misses before the real delimiter: a CRLF, a partial boundary, a boundary without CRLF.
        var bytes = Encoding.ASCII.GetBytes("ab\r\n--boundarx\r\n--bound--boundary\r\r\n--boundary tail");
        var expected = bytes.AsSpan().IndexOf(Delimiter);
        Assert.True(expected > 0);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var sequence = Segments(bytes[..first], bytes[first..second], bytes[second..]);
                Assert.Equal(expected, MultipartBodyReader.IndexOf(sequence, Delimiter));
            }
        }
    }

    [Fact]
    public void One_byte_segments_are_searched_across_every_seam()
    {
        var bytes = Encoding.ASCII.GetBytes("xx\r\n--boundar\r\n\r\n--boundaryy");
        var sequence = Segments([.. bytes.Select(b => new[] { b })]);

        Assert.Equal(bytes.AsSpan().IndexOf(Delimiter), MultipartBodyReader.IndexOf(sequence, Delimiter));
        Assert.Equal(-1, MultipartBodyReader.IndexOf(Segments([.. bytes[..^3].Select(b => new[] { b })]), Delimiter));
    }

    [Fact]
    public async Task A_body_written_one_byte_at_a_time_gives_back_each_part_exactly()
    {
        var first = Encoding.ASCII.GetBytes("one\r\n--boundar\r\n-- boundary\r\n");
        var second = FilesClient.RandomBytes(3000);
        var body = Concat(
            "preamble to skip\r\n--boundary  \t\r\n"u8.ToArray(),
            "Content-Disposition: form-data; name=\"a\"; filename=\"a\"\r\nContent-Type: text/plain\r\n\r\n"u8.ToArray(),
            first,
            "\r\n--boundary\r\ncontent-disposition: form-data; name=\"b\"\r\n\r\n"u8.ToArray(),
            second,
            "\r\n--boundary--\r\nepilogue"u8.ToArray());
        var pipe = new Pipe();
        var writing = WriteSlowlyAsync(pipe.Writer, body);
        var reader = new MultipartBodyReader(pipe.Reader, "boundary");

        var headersA = await reader.ReadNextPartAsync(CancellationToken.None);
        var bytesA = await ReadPartAsync(reader);
        var headersB = await reader.ReadNextPartAsync(CancellationToken.None);
        var bytesB = await ReadPartAsync(reader);
        var end = await reader.ReadNextPartAsync(CancellationToken.None);
        await writing;

        Assert.NotNull(headersA);
        Assert.Equal("form-data; name=\"a\"; filename=\"a\"", headersA["Content-Disposition"]);
        Assert.Equal("text/plain", headersA["content-type"]);
        Assert.Equal(first, bytesA);
        Assert.NotNull(headersB);
        Assert.Equal("form-data; name=\"b\"", headersB["Content-Disposition"]);
        Assert.Equal(second, bytesB);
        Assert.Null(end);
    }

    [Fact]
    public async Task A_body_that_ends_inside_a_part_is_an_IOException()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno closing boundary"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        var reader = new MultipartBodyReader(pipe.Reader, "b");

        Assert.NotNull(await reader.ReadNextPartAsync(CancellationToken.None));
        await Assert.ThrowsAsync<IOException>(() => ReadPartAsync(reader));
    }

    [Theory]
    [InlineData("--b\r\nno colon here\r\n\r\nx\r\n--b--")]
    [InlineData("--b garbage\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nx\r\n--b--")]
    [InlineData("--b\r\nX-Long: {long}\r\n\r\nx\r\n--b--")]
    [InlineData("--b\r\nX-Long: {long}")]
    public async Task Malformed_part_headers_are_InvalidDataException(string body)
    {
        // Headers over the 16 KiB limit, whether or not their end has arrived.
        body = body.Replace("{long}", new string('h', MultipartBodyReader.HeadersLengthLimit), StringComparison.Ordinal);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(body));
        await pipe.Writer.CompleteAsync();
        var reader = new MultipartBodyReader(pipe.Reader, "b");

        await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReadNextPartAsync(CancellationToken.None));
    }

    private static async Task<byte[]> ReadPartAsync(MultipartBodyReader reader)
    {
        var collected = new List<byte>();
        await reader.CopyPartAsync((chunk, _) =>
        {
            collected.AddRange(chunk.ToArray());
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return [.. collected];
    }

    private static async Task WriteSlowlyAsync(PipeWriter writer, byte[] body)
    {
        foreach (var b in body)
        {
            await writer.WriteAsync(new[] { b });
        }
        await writer.CompleteAsync();
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var nonEmpty = parts.Where(p => p.Length > 0).ToList();
        if (nonEmpty.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        var first = new Segment(nonEmpty[0], 0);
        var last = first;
        foreach (var part in nonEmpty.Skip(1))
        {
            last = last.Append(part);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
