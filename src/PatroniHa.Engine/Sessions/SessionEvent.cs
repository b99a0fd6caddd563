namespace PatroniHa.Engine.Sessions;

public enum SessionEventKind
{
    Verbose,
    Warning,
}

/// <summary>Something a background part of the session wants the user to hear about.</summary>
public sealed record SessionEvent(DateTimeOffset At, SessionEventKind Kind, string Message);
