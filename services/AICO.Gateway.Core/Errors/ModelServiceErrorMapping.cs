using AICO.Models.Contracts;
using Microsoft.AspNetCore.Http;

namespace AICO.Gateway.Errors;

/// <summary>The HTTP status of each model service error code.</summary>
internal static class ModelServiceErrorMapping
{
    public static int StatusCode(string code) => code switch
    {
        ModelServiceErrorCodes.InvalidRequest => StatusCodes.Status400BadRequest,
        ModelServiceErrorCodes.NoChatModel => StatusCodes.Status503ServiceUnavailable,
        ModelServiceErrorCodes.Busy => StatusCodes.Status503ServiceUnavailable,
        ModelService.BusModelServiceClient.BusUnavailable => StatusCodes.Status503ServiceUnavailable,
        ModelServiceErrorCodes.Timeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };

    public static string Title(string code) => code switch
    {
        ModelServiceErrorCodes.InvalidRequest => "Invalid request",
        ModelServiceErrorCodes.NoChatModel => "No chat model configured",
        ModelServiceErrorCodes.Busy => "Model service busy",
        ModelService.BusModelServiceClient.BusUnavailable => "Bus unavailable",
        ModelServiceErrorCodes.Timeout => "Model service timeout",
        ModelServiceErrorCodes.BackendUnavailable => "Chat backend unavailable",
        _ => "Model service error",
    };
}
