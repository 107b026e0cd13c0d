// Package replay turns real hardware dumps (modetest, drm_info, by-path
// listings, a derived plane JSON) into scanout device descriptions, and
// provides an Oracle: a scanout.Prober that answers from recorded outcomes,
// plus a Recorder that writes such recordings from a real prober. Together
// they let the planner run, and be tested, for boards that are not here.
package replay
