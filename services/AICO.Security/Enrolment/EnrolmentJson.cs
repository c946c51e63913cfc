using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AICO.Security;

[JsonSerializable(typeof(EnrolmentBundle.BundleFile))]
[JsonSerializable(typeof(EnrolmentRegistry.RegistryFile))]
internal sealed partial class EnrolmentJson : JsonSerializerContext
{
    /// <summary>Z85 keys use '&lt;', '&gt;', '&amp;' and '+': written as they are, so a key in the file reads like the key on screen.</summary>
    public static EnrolmentJson Files { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
