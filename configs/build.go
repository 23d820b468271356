package configs

import (
	"fmt"

	"github.com/barriergym/barriergym/env"
)

// NewEnv returns a fresh environment of the configured scenario.
func (c *Config) NewEnv() (env.Env, error) {
	switch c.Env.Scenario {
	case "robot2d":
		return env.NewRobot2D(c.Env.Robot2D)
	case "nav":
		return env.NewNav(c.Env.Nav)
	}
	return nil, fmt.Errorf("config: unknown scenario %q", c.Env.Scenario)
}

// Dt returns the configured scenario's time step.
func (c *Config) Dt() float64 {
	if c.Env.Scenario == "robot2d" {
		return c.Env.Robot2D.Dt
	}
	return c.Env.Nav.Dt
}
