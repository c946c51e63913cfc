using System.Text.Json;
using System.Text.Json.Serialization;

namespace AICO.Security;

/// <summary>
/// Everything one component instance on another host needs to join the bus, and nothing more: its own key pair, the
/// broker's public key and the bus endpoint (plus the database or token key for components that use them). Never the
/// master key. A JSON file, mode 0600; <see cref="Read"/> refuses a bundle that is damaged, truncated or readable by others.
/// </summary>
public sealed record EnrolmentBundle
{
    public const string FormatName = "aico-enrolment-bundle/1";

    public required string Instance { get; init; }
    public required CurveKeyPair KeyPair { get; init; }
    public required string BrokerPublicKeyZ85 { get; init; }
    public required string BusEndpoint { get; init; }
    public byte[]? DatabaseKey { get; init; }
    public byte[]? JwtSigningKey { get; init; }
    public DateTimeOffset IssuedAt { get; init; } = DateTimeOffset.UtcNow;

    public string Component => InstanceNames.ComponentOf(Instance);

    /// <summary>Which installation issued it: a fingerprint of the broker's public key.</summary>
    public string Installation => InstallationId.Of(BrokerPublicKeyZ85);

    /// <summary>Writes the bundle to a new 0600 file; refuses to replace an existing file unless <paramref name="overwrite"/>.</summary>
    public void Write(string path, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full) && !overwrite)
        {
            throw new KeyStoreException($"{full} already exists; refusing to overwrite it (use --force).");
        }

        OwnerOnlyFiles.Replace(full, JsonSerializer.SerializeToUtf8Bytes(ToFile(), EnrolmentJson.Files.BundleFile));
    }

    /// <summary>Reads and checks a bundle; every problem is one <see cref="KeyStoreException"/> line naming the file.</summary>
    public static EnrolmentBundle Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new KeyStoreException($"No enrolment bundle at {full}.");
        }

        if (OwnerOnlyFiles.LooseMode(full) is { } mode)
        {
            throw new KeyStoreException($"The enrolment bundle {full} has mode {OwnerOnlyFiles.Octal(mode)}: it holds a secret key, so it must be readable by its owner only (chmod 600 {full}).");
        }

        BundleFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllBytes(full), EnrolmentJson.Files.BundleFile);
        }
        catch (JsonException ex)
        {
            throw new KeyStoreException($"The enrolment bundle {full} is truncated or damaged (not complete JSON: {ex.Message.Split('.')[0]}).");
        }

        return FromFile(file, full);
    }

    private BundleFile ToFile() => new()
    {
        Format = FormatName,
        Instance = Instance,
        Installation = Installation,
        SecretKey = KeyPair.SecretKeyZ85,
        PublicKey = KeyPair.PublicKeyZ85,
        BrokerPublicKey = BrokerPublicKeyZ85,
        BusEndpoint = BusEndpoint,
        DatabaseKey = DatabaseKey is null ? null : Convert.ToHexString(DatabaseKey),
        JwtSigningKey = JwtSigningKey is null ? null : Convert.ToBase64String(JwtSigningKey),
        IssuedAt = IssuedAt,
    };

    private static EnrolmentBundle FromFile(BundleFile? file, string path)
    {
        KeyStoreException Bad(string what) => new($"The enrolment bundle {path} is damaged: {what}.");

        if (file is null || file.Format != FormatName)
        {
            throw new KeyStoreException($"{path} is not an AICO enrolment bundle (expected format '{FormatName}').");
        }

        if (string.IsNullOrEmpty(file.Instance) || !Components.Clients.Contains(InstanceNames.ComponentOf(file.Instance))
            || !InstanceNames.IsValidName(file.Instance[(file.Instance.IndexOf(InstanceNames.Separator) + 1)..]))
        {
            throw Bad($"instance '{file.Instance}' is not component@name for a bus client");
        }

        if (!IsKey(file.SecretKey) || !IsKey(file.PublicKey) || !IsKey(file.BrokerPublicKey))
        {
            throw Bad("secretKey, publicKey and brokerPublicKey must be 40-character Z85 keys");
        }

        var keyPair = CurveKeyPair.FromSecretKeyZ85(file.SecretKey!);
        if (keyPair.PublicKeyZ85 != file.PublicKey)
        {
            throw Bad("its public key does not belong to its secret key");
        }

        if (InstallationId.Of(file.BrokerPublicKey!) != file.Installation)
        {
            throw Bad("its broker key does not match the installation it names");
        }

        if (file.BusEndpoint is not { } endpoint || !BusEndpoints.IsTcp(endpoint))
        {
            throw Bad($"busEndpoint '{file.BusEndpoint}' is not tcp://host:port");
        }

        try
        {
            return new EnrolmentBundle
            {
                Instance = file.Instance,
                KeyPair = keyPair,
                BrokerPublicKeyZ85 = file.BrokerPublicKey!,
                BusEndpoint = endpoint,
                DatabaseKey = file.DatabaseKey is null ? null : Convert.FromHexString(file.DatabaseKey),
                JwtSigningKey = file.JwtSigningKey is null ? null : Convert.FromBase64String(file.JwtSigningKey),
                IssuedAt = file.IssuedAt,
            };
        }
        catch (FormatException)
        {
            throw Bad("databaseKey or jwtSigningKey is not in the expected format");
        }
    }

    private static bool IsKey(string? z85) => Z85.TryDecode(z85, out var bytes) && bytes.Length == CurveKeyPair.KeyLength;

    internal sealed class BundleFile
    {
        public string? Format { get; set; }
        public string? Instance { get; set; }
        public string? Installation { get; set; }
        public string? SecretKey { get; set; }
        public string? PublicKey { get; set; }
        public string? BrokerPublicKey { get; set; }
        public string? BusEndpoint { get; set; }
        public string? DatabaseKey { get; set; }
        public string? JwtSigningKey { get; set; }
        public DateTimeOffset IssuedAt { get; set; }
    }
}
