namespace AICO.Security;

/// <summary>
/// The enrolment bundles installed on a host that has no master key (`aico security join`), one per component, in
/// <see cref="AicoPaths.JoinedDirectory"/>. A host process started there takes its keys and bus endpoint from its bundle.
/// </summary>
public sealed class JoinedBundles(AicoPaths paths)
{
    public AicoPaths Paths { get; } = paths;

    /// <summary>
    /// Checks <paramref name="bundlePath"/> and installs it. Refused: a data directory holding a master key (it needs no
    /// bundle, or belongs to another installation), or bundles of another installation unless <paramref name="replace"/>
    /// (which removes them), or a second bundle for the same component unless <paramref name="replace"/>.
    /// </summary>
    public EnrolmentBundle Install(string bundlePath, bool replace)
    {
        var bundle = EnrolmentBundle.Read(bundlePath);
        var store = new MasterKeyStore(Paths);
        if (store.Exists)
        {
            var own = InstallationId.Of(store.LoadDerivation().CurveKeyPair(Components.Broker).PublicKeyZ85);
            throw new KeyStoreException(own == bundle.Installation
                ? $"{Paths.DataDirectory} holds this installation's master key and needs no bundle; join on the other host (or set {AicoPaths.DataDirVariable})."
                : $"The bundle belongs to installation {bundle.Installation} but {Paths.DataDirectory} holds the master key of installation {own}; use another {AicoPaths.DataDirVariable}.");
        }

        var existing = List();
        var foreign = existing.Where(b => b.Installation != bundle.Installation).ToList();
        if (foreign.Count > 0 && !replace)
        {
            throw new KeyStoreException($"The bundle belongs to installation {bundle.Installation} but {Paths.JoinedDirectory} holds bundles of installation {foreign[0].Installation} ({string.Join(", ", foreign.Select(b => b.Instance))}); use --force to replace them.");
        }

        if (existing.FirstOrDefault(b => b.Component == bundle.Component && b.Instance != bundle.Instance) is { } other && !replace)
        {
            throw new KeyStoreException($"This host already joined as '{other.Instance}'; use --force to replace it with '{bundle.Instance}'.");
        }

        foreach (var old in foreign)
        {
            File.Delete(Paths.JoinedBundleFile(old.Component));
        }

        OwnerOnlyFiles.EnsureDirectory(Paths.DataDirectory);
        OwnerOnlyFiles.EnsureDirectory(Paths.JoinedDirectory);
        bundle.Write(Paths.JoinedBundleFile(bundle.Component), overwrite: true);
        return bundle;
    }

    /// <summary>The installed bundle of <paramref name="component"/>, or null; a damaged one is a <see cref="KeyStoreException"/>.</summary>
    public EnrolmentBundle? Find(string component)
    {
        var path = Paths.JoinedBundleFile(component);
        return File.Exists(path) ? EnrolmentBundle.Read(path) : null;
    }

    public IReadOnlyList<EnrolmentBundle> List() =>
        Directory.Exists(Paths.JoinedDirectory)
            ? Components.Clients.Select(Find).OfType<EnrolmentBundle>().ToList()
            : [];
}
