using System.Text.Json.Serialization;
using AICO.Models.Contracts;

namespace AICO.Gateway.Endpoints;

/// <summary>
/// One server-sent event of a streamed chat: a piece of the answer ("token" events, <see cref="Delta"/>), then the
/// whole answer ("done": <see cref="Model"/>, <see cref="Content"/>), or, when the model service fails after the
/// first token, an "error" event with the model service's code and reason.
/// </summary>
public sealed record ChatStreamEvent(string? Delta, string? Model = null, string? Content = null, ErrorReply? Error = null)
{
    public const string TokenEvent = "token";
    public const string DoneEvent = "done";
    public const string ErrorEvent = "error";

    [JsonIgnore]
    public string EventType => Error is not null ? ErrorEvent : Delta is not null ? TokenEvent : DoneEvent;
}
