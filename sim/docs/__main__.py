import sys

from sim.docs.generate import main

sys.exit(main())
