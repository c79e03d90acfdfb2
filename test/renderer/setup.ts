import { configure } from '@testing-library/react'

// The machines are shared and noisy: a view may take more than the default second to answer.
configure({ asyncUtilTimeout: 10_000 })
