using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using PatroniHa.Sessions;

namespace PatroniHa.Loading;

/// <summary>
/// Runs when the module is imported and removed. On import it routes the engine assembly into the
/// module's own load context; on removal it releases this runspace's sessions (stopping their monitors)
/// and sandboxes.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly object Gate = new();
    private static EngineLoadContext? s_context;

    public void OnImport()
    {
        lock (Gate)
        {
            if (s_context is not null)
                return;
            string moduleDir = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
            s_context = new EngineLoadContext(Path.Combine(moduleDir, "Dependencies"));
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    public void OnRemove(PSModuleInfo module) => ModuleState.CurrentOrNull?.Release();

    // The default context asks only for assemblies it cannot find itself: give it the engine from our
    // context; everything the engine needs is then resolved inside that context.
    private static Assembly? ResolveEngine(AssemblyLoadContext _, AssemblyName name) =>
        name.Name == EngineLoadContext.EngineAssemblyName
            ? s_context?.LoadFromAssemblyName(name)
            : null;
}
