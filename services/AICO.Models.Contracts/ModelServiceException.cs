namespace AICO.Models.Contracts;

/// <summary>A model service failure with the code it travels under; thrown on both sides of the bus.</summary>
public sealed class ModelServiceException(string code, string reason) : Exception(reason)
{
    public string Code { get; } = code;

    public ErrorReply ToReply() => new(Code, Message);
}
