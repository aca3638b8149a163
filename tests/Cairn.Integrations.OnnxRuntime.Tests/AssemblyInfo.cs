using Xunit;

// Experiment.Current and the auto-connect setting are process-wide, as in ClearML: the tests of
// this assembly run one at a time so none sees another's running experiment.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
