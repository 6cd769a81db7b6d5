package cluster

import (
	"os"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
