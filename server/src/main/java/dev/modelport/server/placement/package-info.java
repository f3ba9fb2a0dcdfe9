/**
 * Device placement: which devices a version's instances go on. {@link
 * dev.modelport.server.placement.PlacementPlanner} is a pure function from the config's instance
 * groups and a {@link dev.modelport.server.placement.DeviceTopology} (real, from DJL, or simulated
 * in tests) to one DJL {@link ai.djl.Device} per instance. Depends on DJL's api and the generated
 * config messages.
 */
package dev.modelport.server.placement;
