using System.Text.Json;
using System.Text.Unicode;
using AICO.Models.Contracts;

namespace AICO.Gateway.ModelService;

/// <summary>
/// One <see cref="ChatTokens"/> frame of the model service (<c>{"deltas":["..",..]}</c>), checked once and then read
/// without decoding its tokens: each delta stays the escaped JSON string it arrived as, so the gateway copies it into
/// an SSE event as is (no string per token). The check makes that copy safe: a JSON string holds no raw control
/// character (no CR or LF that could end an SSE line) and the frame must be valid UTF-8.
/// </summary>
public readonly struct ChatTokensFrame
{
    private static ReadOnlySpan<byte> DeltasName => "deltas"u8;

    private readonly int _deltasStart;

    private ChatTokensFrame(ReadOnlyMemory<byte> json, int deltasStart, int count)
    {
        Json = json;
        _deltasStart = deltasStart;
        Count = count;
    }

    /// <summary>The frame's payload.</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>The number of deltas.</summary>
    public int Count { get; }

    /// <summary>Checks a payload of type <see cref="ModelServiceTopics.ChatTokensType"/>; a malformed one is a <see cref="ModelServiceException"/>.</summary>
    public static ChatTokensFrame Read(ReadOnlyMemory<byte> payload)
    {
        try
        {
            if (Utf8.IsValid(payload.Span) && TryRead(payload.Span, out var deltasStart, out var count))
            {
                return new ChatTokensFrame(payload, deltasStart, count);
            }
        }
        catch (JsonException)
        {
        }

        throw new ModelServiceException(ModelServiceErrorCodes.Internal, "the model service sent an unreadable chat tokens frame");
    }

    /// <summary>The deltas in order, each the bytes between the quotes of its JSON string (still escaped).</summary>
    public Enumerator GetEnumerator() => new(Json.Span[_deltasStart..]);

    private static bool TryRead(ReadOnlySpan<byte> json, out int deltasStart, out int count)
    {
        deltasStart = -1;
        count = 0;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals(DeltasName))
            {
                reader.Read();
                reader.Skip(); // a field a newer model service may add
                continue;
            }

            if (deltasStart >= 0 || !reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            deltasStart = (int)reader.TokenStartIndex;
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                count++;
            }

            if (reader.TokenType != JsonTokenType.EndArray)
            {
                return false;
            }
        }

        // The loop ended on the root's EndObject; anything after it makes Read throw (a single JSON value only).
        return reader.TokenType == JsonTokenType.EndObject && !reader.Read() && deltasStart >= 0;
    }

    /// <summary>Walks the deltas array of a checked frame.</summary>
    public ref struct Enumerator(ReadOnlySpan<byte> deltas)
    {
        private Utf8JsonReader _reader = new(deltas);

        public ReadOnlySpan<byte> Current { get; private set; }

        public bool MoveNext()
        {
            if (_reader.TokenType == JsonTokenType.None)
            {
                _reader.Read(); // the array's start
            }

            if (_reader.Read() && _reader.TokenType == JsonTokenType.String)
            {
                Current = _reader.ValueSpan;
                return true;
            }

            return false;
        }
    }
}
