namespace Simplestack.Core.Work;

/// <summary>How far a piece of long work has come: a percentage (0-100) and the step it is on.</summary>
/// <param name="Percent">Done so far, 0 to 100.</param>
/// <param name="Phase">The step, in a few words ("copying disk vda", "importing", "snapshot").</param>
public readonly record struct WorkProgress(double Percent, string Phase);
