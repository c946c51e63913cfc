using NativeLibrary = System.Runtime.InteropServices.NativeLibrary;
using SQLitePCL;

namespace AICO.Storage;

/// <summary>
/// Resolves SQLite's C functions from the SQLCipher library we loaded ourselves. SQLitePCLRaw's own loader
/// needs libdl.so, which a plain Debian machine lacks, so the runtime's NativeLibrary does the lookups.
/// </summary>
internal sealed class NativeLibraryExports(IntPtr library) : IGetFunctionPointer
{
    public IntPtr GetFunctionPointer(string name) =>
        NativeLibrary.TryGetExport(library, name, out var address) ? address : IntPtr.Zero;
}
