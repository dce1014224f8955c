namespace Simplestack.Server.Json;

/// <summary>
/// Compression of the guest lists (section <c>Simplestack:Compression</c>). The lists are written
/// from bytes serialised beforehand (<see cref="ListBodies"/>), so their gzip and br forms are made
/// once per list and kept with it; no middleware wraps the response, so every other answer (small
/// JSON, export archives, streams) goes exactly as before.
/// </summary>
public sealed class CompressionOptions
{
    public const string Section = "Simplestack:Compression";

    /// <summary>Off: nothing is compressed.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Lists smaller than this go as they are, where compressing costs more than it saves.</summary>
    public int MinimumBytes { get; set; } = 1024;
}
