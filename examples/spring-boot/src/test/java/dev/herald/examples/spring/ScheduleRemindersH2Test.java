package dev.herald.examples.spring;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/** The example as it runs by default: H2 in memory, simulated push services. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ContextConfiguration(initializers = SimulatedPushServices.Initializer.class)
class ScheduleRemindersH2Test extends ScheduleRemindersScenario {}
