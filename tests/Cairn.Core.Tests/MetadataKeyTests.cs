using Cairn.Core.Errors;
using Cairn.Core.Models;
using Xunit;

namespace Cairn.Core.Tests;

/// <summary><see cref="MetadataKey"/>: ClearML's <c>ParameterKeyEscaper</c> (api.md §3.4).</summary>
public sealed class MetadataKeyTests
{
    /// <summary>Key → stored form, as the reference escaper produces it.</summary>
    public static TheoryData<string, string> EscapedForms => new()
    {
        { "epochs", "epochs" },
        { "lr.base", "lr%2Ebase" },
        { "a.b.c", "a%2Eb%2Ec" },
        { "cost$", "cost%24" },
        { "$set", "%24set" },
        { "50%", "50%%" },
        { "%2E", "%%2E" },
        { "a__b", "a%_%_b" },
        { "_private", "%_private" },
        { "_", "%_" },
        { "__dunder__", "%_%_dunder%_%_" },
        // Python's str.replace pairs underscores from the left; the odd one out stays as it is.
        { "___", "%_%__" },
        { "a___b", "a%_%__b" },
        { "a_b_c", "a_b_c" },
        { "trailing_", "trailing_" },
        { "  padded key  ", "padded key" },
        { "._$%", "%2E_%24%%" },
        { "naïve.ключ", "naïve%2Eключ" },
    };

    [Theory]
    [MemberData(nameof(EscapedForms))]
    public void Escape_produces_the_reference_servers_stored_form(string key, string expected)
    {
        Assert.Equal(expected, MetadataKey.Escape(key));
    }

    private static readonly string[] TrickyKeyList =
    [
        "epochs", "lr.base", "cost$", "50%", "%", "%%", "%2E", "%24", "%_", "%_%_", "a%_%_b", "_%", "%_x",
        "._", "$__$", "__", "_", "___", "____", "_a_", "a_", "x..y", "$$", "..", "_.", "%2E%24%%", "100%.", "é.ü",
    ];

    public static TheoryData<string> TrickyKeys => new(TrickyKeyList);

    [Theory]
    [MemberData(nameof(TrickyKeys))]
    public void Unescape_reverses_escape(string key)
    {
        Assert.Equal(key, MetadataKey.Unescape(MetadataKey.Escape(key)));
    }

    [Theory]
    [MemberData(nameof(TrickyKeys))]
    public void An_escaped_key_is_a_safe_document_field_name(string key)
    {
        var escaped = MetadataKey.Escape(key);

        Assert.DoesNotContain(".", escaped, StringComparison.Ordinal);
        Assert.DoesNotContain("$", escaped, StringComparison.Ordinal);
        Assert.False(escaped.StartsWith('_'), $"'{escaped}' starts with an underscore");
    }

    [Fact]
    public void Distinct_keys_escape_to_distinct_stored_keys()
    {
        var escaped = TrickyKeyList.Select(MetadataKey.Escape).ToList();

        Assert.Equal(TrickyKeyList.Length, escaped.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Escape_strips_surrounding_whitespace_so_unescape_returns_the_stripped_key()
    {
        Assert.Equal("lr.base", MetadataKey.Unescape(MetadataKey.Escape("\t lr.base \n")));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n ")]
    public void An_empty_key_is_a_validation_error(string key)
    {
        var error = Assert.Throws<CairnException>(() => MetadataKey.Escape(key));

        Assert.Equal(400, error.Error.Code);
        Assert.Equal(12, error.Error.Subcode);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a%b", "a%b")]
    [InlineData("ends%", "ends%")]
    [InlineData("%2e", "%2e")]
    [InlineData("lr%2Ebase", "lr.base")]
    [InlineData("%%2E", "%2E")]
    [InlineData("%_%_x", "__x")]
    [InlineData("%_x", "_x")]
    public void Unescape_decodes_escape_sequences_and_keeps_other_text(string escaped, string expected)
    {
        Assert.Equal(expected, MetadataKey.Unescape(escaped));
    }

    /// <summary>Paths are split on "."; each part after "metadata" is unescaped, then escaped.</summary>
    [Theory]
    [InlineData("metadata.epochs.value", "metadata.epochs.value")]
    [InlineData("metadata._private.value", "metadata.%_private.value")]
    [InlineData("metadata.%_private.value", "metadata.%_private.value")]
    [InlineData("metadata.lr%2Ebase.value", "metadata.lr%2Ebase.value")]
    [InlineData("metadata.cost$.type", "metadata.cost%24.type")]
    [InlineData("metadata.cost%24.type", "metadata.cost%24.type")]
    [InlineData("metadata.a__b.key", "metadata.a%_%_b.key")]
    [InlineData("metadata.50%%.value", "metadata.50%%.value")]
    [InlineData("metadata.epochs", "metadata.epochs")]
    [InlineData("metadata", "metadata")]
    public void Normalize_path_addresses_the_stored_key_whether_or_not_the_client_pre_escaped_it(string path, string expected)
    {
        Assert.Equal(expected, MetadataKey.NormalizePath(path));
    }

    [Fact]
    public void Normalize_path_is_idempotent()
    {
        const string path = "metadata._x$.value";

        var once = MetadataKey.NormalizePath(path);

        Assert.Equal(once, MetadataKey.NormalizePath(once));
    }
}
