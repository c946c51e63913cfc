using System.Text.Json;

namespace AICO.Security;

/// <summary>
/// The installation's list of component instances enrolled on other hosts (<see cref="AicoPaths.EnrolmentsFile"/>, JSON,
/// mode 0600). `aico security enroll` adds to it, `revoke` marks entries revoked; a running broker reloads it.
/// Changes are made under a lock file and written atomically, so a reader never sees half a file.
/// </summary>
public sealed class EnrolmentRegistry(AicoPaths paths)
{
    public const string FormatName = "aico-enrolments/1";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    public string FilePath => paths.EnrolmentsFile;

    public IReadOnlyList<EnrolledInstance> Read() => ReadFile(FilePath);

    /// <summary>The entries of <paramref name="path"/>; none when it does not exist; a damaged file is a <see cref="KeyStoreException"/>.</summary>
    public static IReadOnlyList<EnrolledInstance> ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        return Parse(bytes, path);
    }

    /// <summary>The entries in <paramref name="bytes"/> (the content of <paramref name="path"/>); damaged content is a <see cref="KeyStoreException"/>.</summary>
    public static IReadOnlyList<EnrolledInstance> Parse(byte[] bytes, string path)
    {
        RegistryFile? file;
        try
        {
            file = JsonSerializer.Deserialize(bytes, EnrolmentJson.Files.RegistryFile);
        }
        catch (JsonException ex)
        {
            throw new KeyStoreException($"The enrolment list {path} is damaged (not complete JSON: {ex.Message.Split('.')[0]}).");
        }

        if (file is null || file.Format != FormatName || file.Instances is null)
        {
            throw new KeyStoreException($"{path} is not an AICO enrolment list (expected format '{FormatName}').");
        }

        foreach (var entry in file.Instances)
        {
            if (!Z85.TryDecode(entry.PublicKeyZ85, out var key) || key.Length != CurveKeyPair.KeyLength
                || !Components.Clients.Contains(entry.Component) || entry.Instance == entry.Component)
            {
                throw new KeyStoreException($"The enrolment list {path} is damaged: entry '{entry.Instance}' is not component@name with a 40-character Z85 key.");
            }
        }

        return file.Instances;
    }

    /// <summary>
    /// Enrols a new instance of <paramref name="component"/>: a fresh key pair, written as a bundle to
    /// <paramref name="bundlePath"/>, and its public key added to the list. The bundle is written first, so a failure
    /// leaves no listed key without a bundle.
    /// </summary>
    public EnrolmentBundle Enrol(string component, string? name, string busEndpoint, KeyDerivation derivation, string bundlePath, bool overwrite)
    {
        if (!Components.Clients.Contains(component))
        {
            throw new KeyStoreException($"'{component}' cannot be enrolled; choose one of: {string.Join(", ", Components.Clients)}.");
        }

        if (name is not null && !InstanceNames.IsValidName(name))
        {
            throw new KeyStoreException($"--name '{name}' must be 1-{InstanceNames.MaxNameLength} lower-case letters, digits or '-', starting with a letter or digit.");
        }

        if (!BusEndpoints.IsTcp(busEndpoint))
        {
            throw new KeyStoreException($"the bus endpoint '{busEndpoint}' is not tcp://host:port.");
        }

        return Update(entries =>
        {
            var instance = InstanceNames.Compose(component, name ?? InstanceNames.NewName());
            if (entries.Any(e => e.Instance == instance && !e.IsRevoked))
            {
                throw new KeyStoreException($"'{instance}' is already enrolled; revoke it first or choose another --name.");
            }

            var bundle = new EnrolmentBundle
            {
                Instance = instance,
                KeyPair = CurveKeyPair.Generate(),
                BrokerPublicKeyZ85 = derivation.CurveKeyPair(Components.Broker).PublicKeyZ85,
                BusEndpoint = busEndpoint,
                DatabaseKey = Components.NeedsDatabaseKey(component) ? derivation.DatabaseKey() : null,
                JwtSigningKey = Components.NeedsJwtSigningKey(component) ? derivation.JwtSigningKey() : null,
            };
            bundle.Write(bundlePath, overwrite);
            entries.RemoveAll(e => e.Instance == instance);
            entries.Add(new EnrolledInstance(instance, bundle.KeyPair.PublicKeyZ85, bundle.IssuedAt, null));
            return bundle;
        });
    }

    /// <summary>
    /// Revokes one instance (<c>component@name</c>, or just its name) or every instance of a component.
    /// Returns what was revoked; naming nothing that is enrolled is a <see cref="KeyStoreException"/>.
    /// </summary>
    public IReadOnlyList<EnrolledInstance> Revoke(string target) => Update(entries =>
    {
        bool Matches(EnrolledInstance e) =>
            e.Instance == target || e.Component == target || e.Instance == InstanceNames.Compose(e.Component, target);

        var matched = entries.Where(Matches).ToList();
        if (matched.Count == 0)
        {
            throw new KeyStoreException($"No enrolled instance or component named '{target}' (see 'aico security status').");
        }

        var active = matched.Where(e => !e.IsRevoked).ToList();
        if (active.Count == 0)
        {
            throw new KeyStoreException($"'{target}' is already revoked.");
        }

        var now = DateTimeOffset.UtcNow;
        var revoked = active.Select(e => e with { RevokedAt = now }).ToList();
        foreach (var (before, after) in active.Zip(revoked))
        {
            entries[entries.IndexOf(before)] = after;
        }

        return (IReadOnlyList<EnrolledInstance>)revoked;
    });

    private T Update<T>(Func<List<EnrolledInstance>, T> change)
    {
        OwnerOnlyFiles.EnsureDirectory(paths.DataDirectory);
        using var held = AcquireLock();
        var entries = Read().ToList();
        var result = change(entries);
        var file = new RegistryFile { Format = FormatName, Instances = entries };
        OwnerOnlyFiles.Replace(FilePath, JsonSerializer.SerializeToUtf8Bytes(file, EnrolmentJson.Files.RegistryFile));
        return result;
    }

    private FileStream AcquireLock()
    {
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(FilePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException)
            {
                throw new KeyStoreException($"{FilePath}.lock is held by another process for over {LockWait.TotalSeconds:0} s; try again.");
            }
        }
    }

    internal sealed class RegistryFile
    {
        public string? Format { get; set; }
        public List<EnrolledInstance>? Instances { get; set; }
    }
}
