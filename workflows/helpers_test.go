package workflows_test

import "github.com/stretchr/testify/mock"

var mockAny = mock.Anything
