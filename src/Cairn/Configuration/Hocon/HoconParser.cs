using System.Globalization;
using System.Text;

namespace Cairn.Configuration.Hocon;

/// <summary>
/// Parses the HOCON subset ClearML's configuration files use: nested objects and dotted keys,
/// <c>=</c>/<c>:</c>/<c>{</c> separators and <c>+=</c>, <c>#</c> and <c>//</c> comments, quoted
/// (JSON escapes), triple-quoted and unquoted strings (unquoted values may hold URLs such as
/// <c>http://host:8008</c>, as <c>clearml-init</c> writes them), lists, values joined on one line,
/// <c>${path}</c>/<c>${?path}</c> substitutions (resolved later by <see cref="HoconResolver"/>) and
/// <c>include "file"</c>. Errors name the line and column.
/// </summary>
internal sealed class HoconParser
{
    private const int MaxIncludeDepth = 10;

    private readonly string _text;

    private readonly string? _file;

    private readonly Func<string, string?, (string Text, string File)?>? _include;

    private readonly int _depth;

    private int _pos;

    private int _line = 1;

    private int _column = 1;

    private HoconParser(string text, string? file, Func<string, string?, (string Text, string File)?>? include, int depth)
    {
        _text = text;
        _file = file;
        _include = include;
        _depth = depth;
    }

    /// <summary>Parses a whole document (braces around the root are optional).</summary>
    /// <param name="text">The configuration text.</param>
    /// <param name="file">The file it came from, for error messages and relative includes.</param>
    /// <param name="include">Reads an included file given its name and the including file; null when it does not exist.</param>
    public static HoconObject Parse(string text, string? file = null, Func<string, string?, (string Text, string File)?>? include = null) =>
        new HoconParser(text, file, include, 0).ParseDocument();

    private HoconPosition Position => new(_file, _line, _column);

    private bool AtEnd => _pos >= _text.Length;

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private bool AtCommentStart => Peek() == '#' || (Peek() == '/' && Peek(1) == '/');

    private static bool IsNewline(char c) => c is '\n' or '\r';

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\uFEFF' or '\u00A0';

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _column = 1;
        }
        else if (_text[_pos] != '\r')
        {
            _column++;
        }
        _pos++;
    }

    private HoconParseException Error(string problem) => Position.Error(problem);

    private HoconObject ParseDocument()
    {
        SkipBlank(newlines: true);
        var root = new HoconObject(Position);
        if (Peek() == '{')
        {
            root = ParseObject();
            SkipBlank(newlines: true);
            if (!AtEnd)
            {
                throw Error($"unexpected '{Peek()}' after the root object's closing brace");
            }
            return root;
        }
        ParseFields(root, closing: null, opened: root.Position);
        return root;
    }

    private HoconObject ParseObject()
    {
        var opened = Position;
        Advance(); // '{'
        var result = new HoconObject(opened);
        ParseFields(result, '}', opened);
        return result;
    }

    private void ParseFields(HoconObject target, char? closing, HoconPosition opened)
    {
        while (true)
        {
            SkipSeparators();
            if (AtEnd)
            {
                if (closing is not null)
                {
                    throw Error($"missing '}}' to close the object opened at line {opened.Line}, column {opened.Column}");
                }
                return;
            }
            if (Peek() == closing)
            {
                Advance();
                return;
            }
            if (TryInclude(target))
            {
                continue;
            }
            var keyAt = Position;
            var path = ParseKey();
            SkipBlank(newlines: false);
            HoconNode value;
            var append = false;
            switch (Peek())
            {
                case '{':
                    value = ParseObject();
                    break;
                case ':' or '=':
                    Advance();
                    value = ParseValue(path);
                    break;
                case '+' when Peek(1) == '=':
                    Advance();
                    Advance();
                    append = true;
                    value = ParseValue(path);
                    break;
                default:
                    throw Error(AtEnd || IsNewline(Peek())
                        ? $"the key '{string.Join('.', path)}' has no value (expected ':', '=' or '{{')"
                        : $"expected ':', '=' or '{{' after the key '{string.Join('.', path)}', found '{Peek()}'");
            }
            Assign(target, path, value, append, keyAt);
            SkipBlank(newlines: false);
            if (!(AtEnd || IsNewline(Peek()) || Peek() == ',' || Peek() == closing || AtCommentStart))
            {
                throw Error($"expected a new line or ',' after the value of '{string.Join('.', path)}', found '{Peek()}'");
            }
        }
    }

    private static void Assign(HoconObject target, List<string> path, HoconNode value, bool append, HoconPosition at)
    {
        var current = target;
        for (var i = 0; i < path.Count - 1; i++)
        {
            if (!current.Fields.TryGetValue(path[i], out var next) || next is not HoconObject nested)
            {
                nested = new HoconObject(at);
                current.Fields[path[i]] = nested;
            }
            current = nested;
        }
        var key = path[^1];
        if (!append)
        {
            current.Set(key, value);
        }
        else if (current.Fields.TryGetValue(key, out var existing) && existing is HoconList list)
        {
            list.Items.Add(value);
        }
        else
        {
            current.Fields[key] = new HoconList(at, [value]);
        }
    }

    private List<string> ParseKey()
    {
        var segments = new List<string>();
        while (true)
        {
            if (Peek() == '"')
            {
                segments.Add(ParseQuoted());
            }
            else
            {
                var start = _pos;
                while (!AtEnd && !IsKeyEnd(Peek()) && !(Peek() == '/' && Peek(1) == '/'))
                {
                    Advance();
                }
                if (_pos == start)
                {
                    throw Error(AtEnd ? "expected a key, found the end of the text" : $"expected a key, found '{Peek()}'");
                }
                segments.Add(_text[start.._pos]);
            }
            if (Peek() != '.')
            {
                return segments;
            }
            Advance();
        }
    }

    private static bool IsKeyEnd(char c) =>
        c is '.' or ':' or '=' or '{' or '}' or '[' or ']' or ',' or '+' or '#' or '"' or '$' || IsSpace(c) || IsNewline(c);

    /// <summary>A value: one or more pieces on the same line; spaces between pieces belong to a joined string.</summary>
    private HoconNode ParseValue(List<string> key)
    {
        SkipBlank(newlines: false);
        var at = Position;
        var parts = new List<HoconNode>();
        while (!AtEnd)
        {
            var c = Peek();
            if (IsNewline(c) || c is ',' or '}' or ']' || AtCommentStart)
            {
                break;
            }
            if (c == '{')
            {
                parts.Add(ParseObject());
            }
            else if (c == '[')
            {
                parts.Add(ParseList());
            }
            else if (c == '"')
            {
                var position = Position;
                var text = Peek(1) == '"' && Peek(2) == '"' ? ParseTripleQuoted() : ParseQuoted();
                parts.Add(new HoconScalar(position, text, quoted: true));
            }
            else if (c == '$' && Peek(1) == '{')
            {
                parts.Add(ParseSubstitution());
            }
            else if (IsSpace(c))
            {
                var position = Position;
                var start = _pos;
                while (IsSpace(Peek()))
                {
                    Advance();
                }
                parts.Add(new Whitespace(position, _text[start.._pos]));
            }
            else
            {
                parts.Add(ParseUnquoted());
            }
        }
        while (parts.Count > 0 && parts[^1] is Whitespace)
        {
            parts.RemoveAt(parts.Count - 1);
        }
        return parts.Count switch
        {
            0 => throw at.Error($"the key '{string.Join('.', key)}' has no value"),
            1 => parts[0],
            _ => new HoconConcatenation(at, parts),
        };
    }

    private HoconScalar ParseUnquoted()
    {
        var at = Position;
        var start = _pos;
        // "//" inside an unquoted value (a URL's "http://") is text; it starts a comment only after a space.
        while (!AtEnd)
        {
            var c = Peek();
            if (IsNewline(c) || IsSpace(c) || c is ',' or '}' or ']' or '{' or '[' or '"' or '#' || (c == '$' && Peek(1) == '{'))
            {
                break;
            }
            Advance();
        }
        var text = _text[start.._pos];
        return new HoconScalar(at, text == "null" ? null : text, quoted: false);
    }

    private HoconList ParseList()
    {
        var opened = Position;
        Advance(); // '['
        var items = new List<HoconNode>();
        while (true)
        {
            SkipSeparators();
            if (AtEnd)
            {
                throw Error($"missing ']' to close the list opened at line {opened.Line}, column {opened.Column}");
            }
            if (Peek() == ']')
            {
                Advance();
                return new HoconList(opened, items);
            }
            items.Add(ParseValue(["[" + items.Count.ToString(CultureInfo.InvariantCulture) + "]"]));
            SkipBlank(newlines: false);
            if (!(AtEnd || IsNewline(Peek()) || Peek() is ',' or ']' || AtCommentStart))
            {
                throw Error($"expected ',' or ']' after a list item, found '{Peek()}'");
            }
        }
    }

    private string ParseQuoted()
    {
        var opened = Position;
        Advance(); // '"'
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd || IsNewline(Peek()))
            {
                throw opened.Error("unterminated quoted string");
            }
            var c = Peek();
            Advance();
            if (c == '"')
            {
                return text.ToString();
            }
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }
            if (AtEnd)
            {
                throw opened.Error("unterminated quoted string");
            }
            var escape = Peek();
            var escapeAt = Position;
            Advance();
            switch (escape)
            {
                case '"' or '\\' or '/':
                    text.Append(escape);
                    break;
                case 'b':
                    text.Append('\b');
                    break;
                case 'f':
                    text.Append('\f');
                    break;
                case 'n':
                    text.Append('\n');
                    break;
                case 'r':
                    text.Append('\r');
                    break;
                case 't':
                    text.Append('\t');
                    break;
                case 'u':
                    var hex = _pos + 4 <= _text.Length ? _text.Substring(_pos, 4) : "";
                    if (!ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw escapeAt.Error("'\\u' must be followed by four hex digits");
                    }
                    for (var i = 0; i < 4; i++)
                    {
                        Advance();
                    }
                    text.Append((char)code);
                    break;
                default:
                    throw escapeAt.Error($"invalid escape '\\{escape}' in a quoted string");
            }
        }
    }

    private string ParseTripleQuoted()
    {
        var opened = Position;
        for (var i = 0; i < 3; i++)
        {
            Advance();
        }
        var start = _pos;
        while (!AtEnd)
        {
            if (Peek() == '"' && Peek(1) == '"' && Peek(2) == '"')
            {
                // Quotes beyond the closing three belong to the string ("""a"""" is a").
                while (Peek(3) == '"')
                {
                    Advance();
                }
                var text = _text[start.._pos];
                for (var i = 0; i < 3; i++)
                {
                    Advance();
                }
                return text;
            }
            Advance();
        }
        throw opened.Error("unterminated triple-quoted string");
    }

    private HoconSubstitution ParseSubstitution()
    {
        var at = Position;
        Advance();
        Advance(); // "${"
        var optional = false;
        if (Peek() == '?')
        {
            optional = true;
            Advance();
        }
        var start = _pos;
        while (!AtEnd && Peek() != '}' && !IsNewline(Peek()))
        {
            Advance();
        }
        if (Peek() != '}')
        {
            throw at.Error("unterminated substitution (missing '}')");
        }
        var path = _text[start.._pos].Trim().Replace("\"", "", StringComparison.Ordinal);
        Advance();
        if (path.Length == 0)
        {
            throw at.Error("empty substitution '${}'");
        }
        return new HoconSubstitution(at, path, optional);
    }

    private bool TryInclude(HoconObject target)
    {
        if (!_text.AsSpan(_pos).StartsWith("include") || !IsSpace(Peek(7)))
        {
            return false;
        }
        var at = Position;
        for (var i = 0; i < 7; i++)
        {
            Advance();
        }
        SkipBlank(newlines: false);
        var required = false;
        var parens = 0;
        foreach (var wrapper in new[] { "required(", "file(" })
        {
            if (_text.AsSpan(_pos).StartsWith(wrapper))
            {
                required |= wrapper == "required(";
                parens++;
                for (var i = 0; i < wrapper.Length; i++)
                {
                    Advance();
                }
            }
        }
        if (Peek() != '"')
        {
            throw Error("expected a quoted file name after 'include'");
        }
        var name = ParseQuoted();
        for (; parens > 0; parens--)
        {
            if (Peek() != ')')
            {
                throw Error("expected ')' after the included file name");
            }
            Advance();
        }
        if (_depth >= MaxIncludeDepth)
        {
            throw at.Error($"includes nested deeper than {MaxIncludeDepth} levels (an include cycle?)");
        }
        var included = _include?.Invoke(name, _file);
        if (included is null)
        {
            // HOCON ignores a missing include unless it is wrapped in required(...).
            return required ? throw at.Error($"the required include '{name}' was not found") : true;
        }
        var parser = new HoconParser(included.Value.Text, included.Value.File, _include, _depth + 1);
        target.MergeFrom(parser.ParseDocument());
        return true;
    }

    /// <summary>Skips spaces and comments, and new lines too when <paramref name="newlines"/>.</summary>
    private void SkipBlank(bool newlines)
    {
        while (!AtEnd)
        {
            var c = Peek();
            if (IsSpace(c) || (newlines && IsNewline(c)))
            {
                Advance();
            }
            else if (AtCommentStart)
            {
                while (!AtEnd && !IsNewline(Peek()))
                {
                    Advance();
                }
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>Skips what may stand between fields or items: blanks, new lines, comments and commas.</summary>
    private void SkipSeparators()
    {
        while (true)
        {
            SkipBlank(newlines: true);
            if (Peek() != ',')
            {
                return;
            }
            Advance();
        }
    }

    /// <summary>Spaces between the pieces of a joined value; dropped at its ends.</summary>
    internal sealed class Whitespace(HoconPosition position, string text) : HoconNode(position)
    {
        public string Text { get; } = text;
    }
}
