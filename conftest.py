"""Root pytest configuration: every in-process test talks to moto's mock, never to AWS."""

from shared.testing import use_in_process_aws

use_in_process_aws()
