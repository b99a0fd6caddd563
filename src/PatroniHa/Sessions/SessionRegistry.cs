namespace PatroniHa.Sessions;

/// <summary>
/// The sessions of one runspace (see <see cref="ModuleState"/>) and its default one.
/// </summary>
internal sealed class SessionRegistry
{
    private readonly object _gate = new();
    private readonly List<PatroniSession> _sessions = [];
    private PatroniSession? _default;

    public static SessionRegistry? ForCurrentRunspace() => ModuleState.CurrentOrNull?.Sessions;

    public PatroniSession? Default
    {
        get
        {
            lock (_gate)
                return _default;
        }
    }

    /// <summary>
    /// The session of the Invoke-PatroniTransaction block running now on this runspace's pipeline thread (the
    /// innermost): what a command in the block without -Session means. Only that thread reads or writes it.
    /// </summary>
    public PatroniSession? InTransaction { get; set; }

    public IReadOnlyList<PatroniSession> All
    {
        get
        {
            lock (_gate)
                return _sessions.ToList();
        }
    }

    public PatroniSession? Find(string name)
    {
        lock (_gate)
            return _sessions.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A name not yet used in this runspace: <paramref name="wanted"/>, or wanted-2, wanted-3 …</summary>
    public string UniqueName(string wanted)
    {
        lock (_gate)
        {
            string name = wanted;
            for (int i = 2; _sessions.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)); i++)
                name = $"{wanted}-{i}";
            return name;
        }
    }

    public void Add(PatroniSession session, bool makeDefault)
    {
        lock (_gate)
        {
            _sessions.Add(session);
            if (makeDefault || _default is null)
                SetDefault(session);
        }
    }

    public void Remove(PatroniSession session)
    {
        lock (_gate)
        {
            _sessions.Remove(session);
            if (ReferenceEquals(_default, session))
            {
                session.IsDefault = false;
                _default = null;
            }
        }
    }

    public void DisposeAll()
    {
        List<PatroniSession> sessions;
        lock (_gate)
        {
            sessions = _sessions.ToList();
            _sessions.Clear();
            _default = null;
        }
        foreach (PatroniSession session in sessions)
        {
            try
            {
                session.Engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch
            {
                // Closing down: nothing useful to do with a failure here.
            }
        }
    }

    private void SetDefault(PatroniSession session)
    {
        if (_default is not null)
            _default.IsDefault = false;
        _default = session;
        session.IsDefault = true;
    }
}
