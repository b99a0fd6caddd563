using System.Diagnostics;

namespace PatroniHa.Engine.Sandbox;

/// <summary>
/// A detached bash process that outlives its owner: once the owner pid is gone (for instance a test host
/// killed with SIGKILL, so no Dispose ran) it kills every process of the sandbox and deletes the folder.
/// </summary>
internal sealed class SandboxWatchdog : IDisposable
{
    public const string ScriptName = "watchdog.sh";

    // Only bash builtins in the loops: a forked subshell would carry the folder in its command line too.
    private const string Script = """
        #!/bin/bash
        # Sandbox watchdog: when process $1 is gone, kill every process naming folder $2 and delete $2.
        owner=$1
        dir=$2
        case "$dir" in /?*/*|/?*) ;; *) echo "refusing folder '$dir'"; exit 2 ;; esac
        trap '' HUP INT TERM
        alive() {
          local s
          [ -r "/proc/$owner/stat" ] || return 1
          read -r s < "/proc/$owner/stat" 2>/dev/null || return 1
          s=${s##*) }
          [ "${s:0:1}" != Z ]
        }
        sweep() {
          local d pid args stat rest ppid
          local -a hits=()
          local -A hit=()
          for d in /proc/[0-9]*; do
            pid=${d#/proc/}
            [ "$pid" = "$$" ] && continue
            mapfile -d '' args 2>/dev/null < "$d/cmdline" || continue
            [[ "${args[*]}" == *"$dir/"* ]] || continue
            hits+=("$pid"); hit[$pid]=1
            kill -STOP "$pid" 2>/dev/null
          done
          [ ${#hits[@]} -eq 0 ] && return 1
          # PostgreSQL children rename themselves; find them by parent.
          for d in /proc/[0-9]*; do
            read -r stat 2>/dev/null < "$d/stat" || continue
            rest=${stat##*) }; rest=${rest#* }; ppid=${rest%% *}
            [ -n "${hit[$ppid]}" ] && kill -KILL "${d#/proc/}" 2>/dev/null
          done
          for pid in "${hits[@]}"; do kill -KILL "$pid" 2>/dev/null; done
          return 0
        }
        while alive; do sleep 1; done
        echo "$(date '+%F %T') owner $owner is gone; cleaning up $dir"
        for i in 1 2 3 4 5; do sweep || break; sleep 0.2; done
        rm -rf -- "$dir"
        """;

    private readonly Process _process;

    private SandboxWatchdog(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool IsRunning => !_process.HasExited;

    /// <summary>Writes the script into <paramref name="folder"/> and starts it for <paramref name="ownerPid"/>.
    /// Runs as the current user (root can kill the postgres user's processes).</summary>
    public static SandboxWatchdog Start(string folder, int ownerPid)
    {
        var script = System.IO.Path.Combine(folder, ScriptName);
        File.WriteAllText(script, Script.Replace("\r\n", "\n") + "\n");
        var log = System.IO.Path.Combine(folder, "watchdog.log");
        var process = ProcessLauncher.Start("/bin/bash", [script, ownerPid.ToString(), folder], log, folder,
            asServiceUser: false);
        return new SandboxWatchdog(process);
    }

    /// <summary>Stops the watchdog without letting it clean up (the owner is doing that itself).</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(2000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
